package rewrite

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/rules"
)

const inHouse = `package llm

import "context"

type Request struct {
	Model  string
	Prompt string
	secret string
	Count  *int
}

type Usage struct{ In, Out int }

type Response struct {
	Usage   *Usage
	Stop    []string
	Score   float64
	model   string
}

func (r *Response) Model() string      { return r.model }
func (r *Response) Pick(i int) string  { return "" }

type Client struct{}

func (c *Client) Complete(ctx context.Context, req *Request) (*Response, error) { return nil, nil }
func (c *Client) Fire(req Request)                                               {}
func (c *Client) hidden(req *Request) (*Response, error)                        { return nil, nil }
func Generic[T any](v T) (T, error)                                              { return v, nil }

type inner struct{}

func Leaky() (*inner, error) { return nil, nil }
`

func TestGenerateAdapterErrors(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "llm.go", inHouse, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("example.com/llm", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	host := types.NewPackage("example.com/app", "main")
	host.SetImports([]*types.Package{pkg})
	cases := []struct {
		name    string
		call    string
		extract rules.Extraction
		want    string // "" for no error
	}{
		{"all", "example.com/llm.(*Client).Complete", rules.Extraction{
			Model: fp("req.Model"), InputTokens: fp("result.Usage.In"), OutputTokens: fp("result.Usage.Out"),
			FinishReason: fp("result.Stop"), ResponseModel: fp("result.Model()"),
		}, ""},
		{"by position", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("arg1.Model")}, ""},
		{"pointer at the end", "example.com/llm.(*Client).Complete", rules.Extraction{InputTokens: fp("req.Count")}, ""},
		{"no result", "example.com/llm.(*Client).Fire", rules.Extraction{Model: fp("req.Model")}, ""},
		{"not a parameter", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("request.Model")},
			`y.yaml:7: request.Model: "request" is neither a parameter of (*example.com/llm.Client).Complete (ctx, req), argN nor result`},
		{"model from the result", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("result.Model()")},
			"y.yaml:7: result.Model(): the request's attributes are read before the call, from its parameters, not from result"},
		{"no such field", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("req.Modle")},
			"y.yaml:7: req.Modle: *example.com/llm.Request has no field or method Modle"},
		{"method without parentheses", "example.com/llm.(*Client).Complete", rules.Extraction{ResponseModel: fp("result.Model")},
			"y.yaml:7: result.Model: Model is a method: write Model()"},
		{"field with parentheses", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("req.Model()")},
			"y.yaml:7: req.Model(): Model is a field, not a method"},
		{"method with arguments", "example.com/llm.(*Client).Complete", rules.Extraction{ResponseModel: fp("result.Pick()")},
			"y.yaml:7: result.Pick(): Pick must take no arguments and return one value"},
		{"unexported", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("req.secret")},
			"y.yaml:7: req.secret: *example.com/llm.Request has no field or method secret"},
		{"not a string", "example.com/llm.(*Client).Complete", rules.Extraction{Model: fp("req.Count")},
			"y.yaml:7: req.Count has type int, not a string"},
		{"not an integer", "example.com/llm.(*Client).Complete", rules.Extraction{OutputTokens: fp("result.Score")},
			"y.yaml:7: result.Score has type float64, not an integer"},
		{"not strings", "example.com/llm.(*Client).Complete", rules.Extraction{FinishReason: fp("result.Usage")},
			"y.yaml:7: result.Usage has type example.com/llm.Usage, not a string or a slice of strings"},
		{"result of nothing", "example.com/llm.(*Client).Fire", rules.Extraction{InputTokens: fp("result.In")},
			"y.yaml:7: result.In: (*example.com/llm.Client).Fire returns no result other than an error"},
		{"generic", "example.com/llm.Generic", rules.Extraction{},
			"y.yaml:3: user.llm.Generic is generic, which user-defined rules do not support"},
		{"unexported type", "example.com/llm.Leaky", rules.Extraction{},
			"y.yaml:3: user.llm.Leaky: its signature names example.com/llm.inner, which is not exported"},
		{"no such method", "example.com/llm.(*Client).Completion", rules.Extraction{},
			"y.yaml:3: example.com/llm.Client has no method Completion"},
		// Callable only from its own package, where the adapter goes too.
		{"unexported method", "example.com/llm.(*Client).hidden", rules.Extraction{}, ""},
		{"no such type", "example.com/llm.(*Clint).Complete", rules.Extraction{},
			"y.yaml:3: example.com/llm has no type Clint"},
		{"no such function", "example.com/llm.Ask", rules.Extraction{},
			"y.yaml:3: example.com/llm has no function Ask"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.extract
			r, err := rules.UserRule("", c.call, "chat", "acme", &x, "y.yaml:3")
			if err != nil {
				t.Fatal(err)
			}
			err = checkUserRules([]rules.Rule{r}, host)
			got := ""
			if err != nil {
				got = err.Error()
				if _, ok := err.(*RuleError); !ok {
					t.Errorf("error %T, want *RuleError", err)
				}
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func fp(path string) rules.FieldPath { return rules.FieldPath{Path: path, Origin: "y.yaml:7"} }

func TestUserRuleErrors(t *testing.T) {
	for _, c := range []struct{ call, op, provider, want string }{
		{"example.com/llm.Client.Complete", "chat", "acme", `y.yaml:3: call: "example.com/llm.Client.Complete" is not in the form`},
		{"example.com/llm.Ask", "completion", "acme", `y.yaml:3: operation "completion" is not one of chat, text_completion, generate_content, embeddings`},
		{"example.com/llm.Ask", "chat", "", "y.yaml:3: a rule needs a provider"},
	} {
		_, err := rules.UserRule("", c.call, c.op, c.provider, &rules.Extraction{}, "y.yaml:3")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("UserRule(%q, %q, %q) = %v, want %q", c.call, c.op, c.provider, err, c.want)
		}
	}
}
