package injected

import (
	"errors"
	"reflect"
	"testing"
)

type testConfig struct{ Names []string }

type testOption func(*testConfig) error

func TestConfigOption(t *testing.T) {
	witness := testOption(func(c *testConfig) error { c.Names = append(c.Names, "witness"); return errors.New("witness ran") })
	for _, tt := range []struct {
		name    string
		apply   func(reflect.Value) bool
		want    []string
		wantErr bool
	}{
		{"applied", func(cfg reflect.Value) bool {
			f := cfg.Elem().FieldByName("Names")
			f.Set(reflect.Append(f, reflect.ValueOf("applied")))
			return true
		}, []string{"applied"}, false},
		{"declined", func(reflect.Value) bool { return false }, []string{"witness"}, true},
		{"panicked", func(reflect.Value) bool { panic("bug") }, []string{"witness"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt, ok := ConfigOption(witness, tt.apply).(testOption)
			if !ok {
				t.Fatal("not of the witness's type")
			}
			var c testConfig
			err := opt(&c)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(c.Names, tt.want) {
				t.Errorf("err %v, names %v; want error %v, names %v", err, c.Names, tt.wantErr, tt.want)
			}
		})
	}
	if ConfigOption(func(int) error { return nil }, nil) != nil || ConfigOption(testOption(nil), nil) != nil {
		t.Error("a function of another shape, or a nil one, gave an option")
	}
}
