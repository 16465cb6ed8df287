package identity

import "testing"

// A bad number's message shows the characters that make it bad and where they
// stand, and none of its digits.
func TestBadChars(t *testing.T) {
	phone := func(r rune) bool { return r == '+' || isNumberSeparator(r) }
	for _, tc := range []struct{ in, want string }{
		{"138abc12345", "第 4–6 位“abc”"},
		{"  138abc12345 ", "第 4–6 位“abc”"},
		{"+86 138 0013 800O", "第 17 位“O”"},
		{"138ａ0013#8000", "第 4 位“ａ”、第 9 位“#”"},
		{"1a2b3c4d5", "第 2 位“a”、第 4 位“b”、第 6 位“c”等 4 处"},
		{"138 0013 8000", ""},
		{"１３８００１３８０００", ""},
	} {
		if got := BadChars(tc.in, phone); got != tc.want {
			t.Errorf("BadChars(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, err := ParseMobile("138abc12345"); err == nil || err.Error() != "手机号只能由数字组成（可带 +86），其中有非数字字符：第 4–6 位“abc”" {
		t.Errorf("ParseMobile: %v", err)
	}
}
