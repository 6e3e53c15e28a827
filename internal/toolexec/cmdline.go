package toolexec

import "strings"

// splitCommandLine splits a Windows command line into its arguments, as
// CommandLineToArgvW and the C runtime do: the program name ends at the
// next space or tab, or at its closing quote, with no escapes; in the
// other arguments, spaces and tabs outside quotes separate, 2n backslashes
// before a quote are n backslashes and the quote opens or closes a quoted
// part, 2n+1 are n backslashes and a literal quote, other backslashes are
// literal, and "" inside a quoted part is a literal quote.
func splitCommandLine(s string) []string {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' }
	var args []string
	i := 0
	if i < len(s) && s[i] == '"' {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return []string{s[1:]}
		}
		args, i = append(args, s[1:1+end]), end+2
	} else {
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
		args = append(args, s[:i])
	}
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return args
		}
		var b strings.Builder
		quoted := false
		for i < len(s) && (quoted || !isSpace(s[i])) {
			switch c := s[i]; c {
			case '\\':
				n := 0
				for i < len(s) && s[i] == '\\' {
					n, i = n+1, i+1
				}
				if i < len(s) && s[i] == '"' {
					b.WriteString(strings.Repeat(`\`, n/2))
					if n%2 == 1 {
						b.WriteByte('"')
						i++
					}
				} else {
					b.WriteString(strings.Repeat(`\`, n))
				}
			case '"':
				if quoted && i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					continue
				}
				quoted = !quoted
				i++
			default:
				b.WriteByte(c)
				i++
			}
		}
		args = append(args, b.String())
	}
}
