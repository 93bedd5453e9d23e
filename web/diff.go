package web

import (
	"encoding/json"
	"fmt"
	"sort"

	"pressfeed"
)

// fieldChange is one field of a source that differs between two versions.
type fieldChange struct {
	Field, Before, After string
}

// fieldOrder is the order fields are listed in; fields added to Source
// later follow in alphabetical order.
var fieldOrder = map[string]int{"id": 0, "name": 1, "kind": 2, "area": 3, "url": 4, "type": 5, "schedule": 6, "enabled": 7}

// sourceDiff lists the fields that differ between before and after, by
// their JSON names; a nil side counts as having no fields. Comparing the
// JSON form covers fields added to Source later without changing this code.
func sourceDiff(before, after *pressfeed.Source) []fieldChange {
	a, b := fieldsOf(before), fieldsOf(after)
	keys := make(map[string]bool)
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []fieldChange
	for k := range keys {
		if a[k] != b[k] {
			out = append(out, fieldChange{Field: k, Before: a[k], After: b[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := fieldOrder[out[i].Field]
		oj, jok := fieldOrder[out[j].Field]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return out[i].Field < out[j].Field
	})
	return out
}

func fieldsOf(src *pressfeed.Source) map[string]string {
	out := make(map[string]string)
	if src == nil {
		return out
	}
	data, err := json.Marshal(src)
	if err != nil {
		return out
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return out
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool, float64:
			out[k] = fmt.Sprint(v)
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}
