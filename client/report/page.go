package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
)

// chartsJS is the chart helpers every page's script uses (the palette, the
// formats, the resizing); each page inlines it before its own script, so a
// page stays one self-contained file.
//
//go:embed assets/charts.js
var chartsJS string

func init() { mustInline("charts.js", chartsJS) }

// mustInline panics when an asset would end its inline <script> or <style>
// early.
func mustInline(name, s string) {
	if closingTag.MatchString(s) {
		panic("report: asset " + name + " cannot be inlined: it contains " + closingTag.FindString(s))
	}
}

// inlined is what a page carries inline: its data, uPlot, its script (after
// the shared chart helpers) and the style.
type inlined struct {
	Data         template.JS
	UPlotJS      template.JS
	UPlotCSS     template.CSS
	PageJS       template.JS
	PageCSS      template.CSS
	UPlotLicense string
}

// newInlined encodes a page's data and gathers the assets around it.
func newInlined(data any, script string) (inlined, error) {
	blob, err := json.Marshal(data) // escapes <, > and &: the blob cannot close its <script>
	if err != nil {
		return inlined{}, fmt.Errorf("report: encode data: %w", err)
	}
	return inlined{
		Data: template.JS(blob), UPlotJS: template.JS(uplotJS), UPlotCSS: template.CSS(uplotCSS),
		PageJS: template.JS(chartsJS + "\n" + script), PageCSS: template.CSS(pageCSS), UPlotLicense: uplotLicense,
	}, nil
}

// renderPage executes a page's template and writes the page whole, or nothing.
func renderPage(w io.Writer, t *template.Template, v any) error {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("report: render: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
