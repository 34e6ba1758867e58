package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestJSONCarriesEveryChangeField: WriteJSON copies each field of Change
// into its document by hand (the document adds before and after in the
// middle). A field added to Change and forgotten there would silently be
// missing from `plan --format json`: every json-tagged field of a Change
// with all fields set must come out under its name.
func TestJSONCarriesEveryChangeField(t *testing.T) {
	var c Change
	fill(reflect.ValueOf(&c).Elem())
	c.Action = Update // an action whose document keeps every field
	var b bytes.Buffer
	if err := WriteJSON(&b, &Plan{Fleet: "f", Changes: []Change{c}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ResourceChanges []map[string]json.RawMessage `json:"resource_changes"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.ResourceChanges) != 1 {
		t.Fatalf("%v: %s", err, b.String())
	}
	got := doc.ResourceChanges[0]
	ct := reflect.TypeOf(c)
	for i := range ct.NumField() {
		name, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if _, ok := got[name]; !ok {
			t.Errorf("Change.%s (%q) is missing from the plan's JSON", ct.Field(i).Name, name)
		}
	}
}

// fill sets every field v holds to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		if v.Type().Elem().Kind() == v.Type().Kind() {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e)
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), e))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}
