// Package schema embeds fleet.schema.json, the single source of the fleet
// file format.
package schema

import _ "embed"

// FleetJSON is the JSON Schema (2020-12) of a fleet file.
//
//go:embed fleet.schema.json
var FleetJSON []byte

// ID is the schema's $id.
const ID = "https://nbfleet.dev/schema/fleet.schema.json"
