package scenario

import "testing"

// TestElements: the count that sizes a script's attempts is exact for a
// well-formed array, whatever its elements hold.
func TestElements(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want int
	}{
		{`[]`, 0},
		{`[ ]`, 0},
		{"[\n\t]", 0},
		{`[{}]`, 1},
		{`[ {} ]`, 1},
		{`[{}, {}, {}]`, 3},
		{`[{"a": [1, 2, {"b": ","}]}, {}]`, 2},
		{`[{"a": "x\",y"}, {"b": "\\"}, {"c": "]"}]`, 3},
		{`[1,2,3,4]`, 4},
		{`[{}, {}`, 1}, // cut short: a guess, never more than the commas say
	} {
		if got := elements(tt.src, 0); got != tt.want {
			t.Errorf("elements(%s) = %d, want %d", tt.src, got, tt.want)
		}
	}
	if got := elements(`{"attempts": [{}, {}]}`, len(`{"attempts": `)); got != 2 {
		t.Errorf("inside an object: %d, want 2", got)
	}
}
