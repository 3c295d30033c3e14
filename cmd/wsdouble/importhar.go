package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/wsdouble/wsdouble/scenario"
)

// importHARHelp is import-har's help, its flags aside.
var importHARHelp = `Import-har reads a HAR file saved by a browser's developer tools (Chrome,
Firefox) or by Playwright ("-" reads the standard input), and writes its
WebSocket connections as a scenario, one attempt per connection, with their
messages and pauses. Secret headers are redacted, as record does, unless
--unredacted; --redact-field redacts JSON fields in messages. --out is
written whole or not at all.

Examples:

  wsdouble import-har session.har --out session.json
  wsdouble import-har --redact-field token session.har | wsdouble check -`

// importHARFlags defines import-har's flags on fs.
func importHARFlags(fs *flag.FlagSet) runFunc {
	o := &importOptions{}
	fs.StringVar(&o.out, "out", "-", "`file` to write the scenario to (- for the standard output)")
	fs.StringVar(&o.name, "name", "", "the scenario's `name` (default: the HAR file's)")
	transcriptFlags(fs, &o.transcriptOptions, "leave out pauses shorter than `d`")
	return o.run
}

type importOptions struct {
	out, name string
	transcriptOptions
}

// maxHARSize is what scenario.FromHAR reads at most.
const maxHARSize = 256 << 20

func (o *importOptions) run(ctx context.Context, env Env, args []string) int {
	if !exactly(env, "import-har", args, 1, "FILE.har") {
		return ExitInvalid
	}
	out, err := openOutput(o.out)
	if err != nil {
		return fail(env, "import-har", ExitInvalid, err)
	}
	data, err := readNamed(ctx, env, args[0], maxHARSize, "file")
	if err != nil {
		return fail(env, "import-har", readStatus(err), err)
	}
	s, err := scenario.FromHAR(bytes.NewReader(data), o.recordOptions()...)
	if err != nil {
		return fail(env, "import-har", ExitInvalid, fmt.Errorf("%s: %s", displayName(args[0]), strings.TrimPrefix(err.Error(), "scenario: FromHAR: ")))
	}
	if o.name != "" {
		s.Name = o.name
	}
	return writeScript(ctx, env, "import-har", s, out)
}
