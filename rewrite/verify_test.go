package rewrite

import "testing"

func TestOneLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"x redeclared in this block\n\tother declaration of x", "x redeclared in this block; other declaration of x"},
		{"plain", "plain"},
		{"trailing\n", "trailing"},
	} {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("oneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
