package i18n

import (
	"errors"
	"strings"
)

// FieldError is one problem with one field of a form, row or request.
type FieldError struct {
	Field string // form/JSON field name, e.g. "name"
	Msg   Msg
}

// Errors collects field problems; a nil *Errors or an empty one means valid.
// Every message names the field in Chinese (the label is passed by the caller).
type Errors struct {
	Fields []FieldError
}

// Add records a problem with field.
func (e *Errors) Add(field, key string, kv ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Msg: M(key, kv...)})
}

// Required records "请填写“label”" when value is blank and reports whether it was present.
func (e *Errors) Required(field, label, value string) bool {
	if strings.TrimSpace(value) == "" {
		e.Add(field, "err.required", "field", label)
		return false
	}
	return true
}

// MaxLen records a too-long value.
func (e *Errors) MaxLen(field, label, value string, max int) {
	if len([]rune(value)) > max {
		e.Add(field, "err.too_long", "field", label, "max", max)
	}
}

// Any reports whether any problem was recorded.
func (e *Errors) Any() bool { return e != nil && len(e.Fields) > 0 }

// For returns the first message for field, or "".
func (e *Errors) For(field string) string {
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Msg.String()
		}
	}
	return ""
}

// Err returns e as an error if it holds problems, else nil.
func (e *Errors) Err() error {
	if e.Any() {
		return e
	}
	return nil
}

func (e *Errors) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Msg.String()
	}
	return strings.Join(parts, "；")
}

// Limit returns the length limit a too-long problem with field names (the
// "max" of err.too_long, as MaxLen records it), or 0 when there is none: a form
// re-rendered after errors echoes no more of the value than that.
func (e *Errors) Limit(field string) int {
	if e == nil {
		return 0
	}
	for _, f := range e.Fields {
		if f.Field != field || f.Msg.Key != "err.too_long" {
			continue
		}
		for i := 0; i+1 < len(f.Msg.Args); i += 2 {
			if k, _ := f.Msg.Args[i].(string); k == "max" {
				if n, ok := f.Msg.Args[i+1].(int); ok && n > 0 {
					return n
				}
			}
		}
	}
	return 0
}

// Refused is err's field problems when err is (or wraps) an *Errors: a
// handler shows them on the form again instead of failing.
func Refused(err error) (*Errors, bool) {
	var verrs *Errors
	if errors.As(err, &verrs) {
		return verrs, true
	}
	return nil, false
}
