package app

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// The API description is kept in fragments, one per module (openapi/*.json,
// each with "paths" and "components.schemas"), merged over 0_base.json at start.
//
//go:embed openapi/*.json
var openAPIFS embed.FS

// OpenAPI returns the merged document, failing on a path or schema defined twice.
func OpenAPI() ([]byte, error) {
	names, err := fs.Glob(openAPIFS, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, name := range names {
		raw, err := fs.ReadFile(openAPIFS, name)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := json.Unmarshal(raw, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			doc = frag
			continue
		}
		if err := mergeSection(doc, frag, name, "paths"); err != nil {
			return nil, err
		}
		dc, _ := doc["components"].(map[string]any)
		fc, _ := frag["components"].(map[string]any)
		if fc != nil {
			if err := mergeSection(dc, fc, name, "schemas"); err != nil {
				return nil, err
			}
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

func mergeSection(dst, src map[string]any, file, key string) error {
	s, _ := src[key].(map[string]any)
	if s == nil {
		return nil
	}
	d, _ := dst[key].(map[string]any)
	if d == nil {
		d = map[string]any{}
		dst[key] = d
	}
	for k, v := range s {
		if _, dup := d[k]; dup {
			return fmt.Errorf("%s: %s %q is already described in another fragment", file, key, k)
		}
		d[k] = v
	}
	return nil
}
