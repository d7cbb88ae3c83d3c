package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"sync"
)

// chartsJS is the chart helpers every page's script uses (the palette, the
// formats, the resizing); each page inlines it before its own script, so a
// page stays one self-contained file.
//
//go:embed assets/charts.js
var chartsJS string

// closingTag finds what would end an inline <script> or <style> early.
var closingTag = regexp.MustCompile(`(?i)</(script|style)|<!--`)

// asset is a file a page carries inline.
type asset struct{ name, text string }

// sharedInlinable checks, once, the assets every page inlines around its
// own script (see inline).
var sharedInlinable = sync.OnceValue(func() error {
	for _, a := range []asset{{"uPlot.iife.min.js", uplotJS}, {"uPlot.min.css", uplotCSS}, {"report.css", pageCSS}, {"charts.js", chartsJS}} {
		if err := inlinable(a); err != nil {
			return err
		}
	}
	return nil
})

// layout is one kind of page: its template and its own script. The template
// is parsed, and the assets checked, on first use: a run that writes no page
// never pays for them (they would be most of the client's start-up otherwise).
type layout struct {
	script   asset
	template func() (*template.Template, error)
}

func newLayout(name, text string, script asset) *layout {
	return &layout{script: script, template: sync.OnceValues(func() (*template.Template, error) {
		if err := sharedInlinable(); err != nil {
			return nil, err
		}
		if err := inlinable(script); err != nil {
			return nil, err
		}
		return template.New(name).Parse(text)
	})}
}

// inlinable fails when an asset would end its inline <script> or <style>
// early.
func inlinable(a asset) error {
	if m := closingTag.FindString(a.text); m != "" {
		return fmt.Errorf("asset %s cannot be inlined: it contains %s", a.name, m)
	}
	return nil
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

// inline encodes a page's data and gathers the assets around it: the shared
// ones and the layout's script.
func (l *layout) inline(data any) (inlined, error) {
	blob, err := json.Marshal(data) // escapes <, > and &: the blob cannot close its <script>
	if err != nil {
		return inlined{}, fmt.Errorf("report: encode data: %w", err)
	}
	return inlined{
		Data: template.JS(blob), UPlotJS: template.JS(uplotJS), UPlotCSS: template.CSS(uplotCSS),
		PageJS: template.JS(chartsJS + "\n" + l.script.text), PageCSS: template.CSS(pageCSS), UPlotLicense: uplotLicense,
	}, nil
}

// renderPage executes a page's template and writes the page whole, or nothing.
func renderPage(w io.Writer, l *layout, v any) error {
	t, err := l.template()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("report: render: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
