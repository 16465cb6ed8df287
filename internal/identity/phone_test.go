package identity

import (
	"strings"
	"testing"
)

func TestParseMobile(t *testing.T) {
	good := map[string]string{
		"13800138000":             "13800138000",
		" 13800138000 ":           "13800138000",
		"138 0013 8000":           "13800138000",
		"138-0013-8000":           "13800138000",
		"+8613800138000":          "13800138000",
		"+86 138 0013 8000":       "13800138000",
		"+86-138-0013-8000":       "13800138000",
		"(+86)13800138000":        "13800138000",
		"008613800138000":         "13800138000",
		"8613800138000":           "13800138000",
		"１３８００１３８０００":             "13800138000",
		"19912345678":             "19912345678",
		"16612345678":             "16612345678",
		"\u3000+86 19912345678":   "19912345678",
		"138\u00a00013\u00a08000": "13800138000",
		"138\u30000013\u30008000": "13800138000",
		"+86\u00a0138-0013-8000":  "13800138000",
		"138－0013－8000":           "13800138000",
		"138\u20140013\u20148000": "13800138000",
		"＋８６ １３８ ００１３ ８０００": "13800138000",
	}
	for in, want := range good {
		got, err := ParseMobile(in)
		if err != nil || got != want {
			t.Errorf("ParseMobile(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []struct{ in, key, text string }{
		{"", "err.required", "请填写“手机号”"},
		{"   ", "err.required", ""},
		{"1380013800", "identity.mobile_length", "手机号应为 11 位数字，现为 10 位"},
		{"138001380001", "identity.mobile_length", ""},
		{"12800138000", "identity.mobile_prefix", "手机号应以 13 至 19 开头，现为 12 开头"},
		{"23800138000", "identity.mobile_prefix", ""},
		{"1380013800a", "identity.mobile_chars", "手机号只能由数字组成（可带 +86），其中有非数字字符：第 11 位“a”"},
		{"138.0013.8000", "identity.mobile_chars", ""},
		{"138 0013 800O", "identity.mobile_chars", "手机号只能由数字组成（可带 +86），其中有非数字字符：第 13 位“O”"},
		{"138_0013_8000", "identity.mobile_chars", ""},
		{"0571-88001234", "identity.mobile_length", ""},
		{"+85291234567", "identity.mobile_chars", ""},
		{"86138001380", "identity.mobile_prefix", ""},
	}
	for _, tc := range bad {
		got, err := ParseMobile(tc.in)
		if err == nil {
			t.Errorf("ParseMobile(%q) = %q, want %s", tc.in, got, tc.key)
			continue
		}
		e := asError(t, err)
		if e.Msg.Key != tc.key {
			t.Errorf("ParseMobile(%q): %s (%v), want %s", tc.in, e.Msg.Key, err, tc.key)
		}
		if tc.text != "" && err.Error() != tc.text {
			t.Errorf("ParseMobile(%q): %q, want %q", tc.in, err.Error(), tc.text)
		}
		if len(tc.in) >= 11 && strings.Contains(err.Error(), tc.in) {
			t.Errorf("message %q repeats the number", err)
		}
	}
}

func TestParseLandline(t *testing.T) {
	good := map[string]string{
		"0571-88001234":        "0571-88001234",
		"0571 88001234":        "0571-88001234",
		"(0571)88001234":       "0571-88001234",
		"（0571）88001234":       "0571-88001234",
		"057188001234":         "0571-88001234",
		"010-12345678":         "",
		"010-62345678":         "010-62345678",
		"01062345678":          "010-62345678",
		"021-6234567":          "021-6234567",
		"88001234":             "88001234",
		"8800123":              "8800123",
		"0571-88001234-123":    "0571-88001234转123",
		"0571-88001234转123":    "0571-88001234转123",
		"0571-88001234 ext 88": "0571-88001234转88",
		"0571-88001234#8":      "0571-88001234转8",
		"+86 571 88001234":     "0571-88001234",
		"0086-10-62345678":     "010-62345678",
		"400-810-8888":         "4008108888",
		"4008108888":           "4008108888",
		"８８００１２３４":             "88001234",
		"88001234转5":           "88001234转5",
		"4008108888转1":         "4008108888转1",
		"0571\u00a088001234":   "0571-88001234",
		"0571\u300088001234":   "0571-88001234",
		"0571－88001234":        "0571-88001234",
		"0571 8800 1234":       "0571-88001234",
		"021-6431 2345":        "021-64312345",
		"(0571) 8800-1234":     "0571-88001234",
		"+86 571 8800 1234":    "0571-88001234",
		"8800 1234":            "88001234",
		"880-0123":             "8800123",
		"0571 8800 1234转12":    "0571-88001234转12",
	}
	for in, want := range good {
		got, err := ParseLandline(in)
		if want == "" {
			// Local numbers never start with 1: 010-12345678 is not a number.
			if err == nil {
				t.Errorf("ParseLandline(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseLandline(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []struct{ in, key string }{
		{"", "err.required"},
		{"123", "identity.landline_invalid"},
		{"0571-8800", "identity.landline_invalid"},
		{"0571-880012345", "identity.landline_invalid"},
		{"0571-08001234", "identity.landline_invalid"},
		{"1571-88001234", "identity.landline_invalid"},
		{"0571-88001234-1234567", "identity.landline_invalid"},
		{"0571-88001234转", "identity.landline_invalid"},
		{"0571-8800abcd", "identity.landline_chars"},
		{"0571-88-00-12-34", "identity.landline_invalid"},
		{"0571-880-01234-5", "identity.landline_invalid"},
		{"8800 12345", "identity.landline_invalid"},
		{"0880 1234", "identity.landline_invalid"},
		{"13800138000", "identity.landline_invalid"},
	}
	for _, tc := range bad {
		got, err := ParseLandline(tc.in)
		if err == nil {
			t.Errorf("ParseLandline(%q) = %q, want %s", tc.in, got, tc.key)
			continue
		}
		if e := asError(t, err); e.Msg.Key != tc.key {
			t.Errorf("ParseLandline(%q): %s (%v), want %s", tc.in, e.Msg.Key, err, tc.key)
		}
	}
}
