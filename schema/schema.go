// Package schema embeds fleet.schema.json, the single source of the fleet
// file format.
package schema

import (
	"bytes"
	_ "embed"
)

//go:embed fleet.schema.json
var fleetJSON []byte

// FleetJSON returns the JSON Schema (2020-12) of a fleet file: a copy, so
// no caller can change what the others validate against.
func FleetJSON() []byte { return bytes.Clone(fleetJSON) }

// ID is the schema's $id.
const ID = "https://nbfleet.dev/schema/fleet.schema.json"
