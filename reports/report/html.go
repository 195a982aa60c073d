package report

import (
	"encoding/base64"
	"html/template"
	"io"

	"github.com/greenlang/gl001/reports/plots"
)

// WriteHTML writes the report as one self-contained HTML file, with the
// sections of WriteMarkdown: the CSS is inline, every plot is inlined as
// a data: URI (its PNG, or its SVG when it has no PNG), and nothing refers
// to anything outside the file — no script, stylesheet, font or link. The
// only URL in it is the run's target, as text.
func (r Report) WriteHTML(w io.Writer, figs []plots.Figure) error {
	return htmlPage.Execute(w, r.build(figs))
}

// ImageURI returns the figure as a data: URI, or "" without image data.
func (f *figure) ImageURI() template.URL {
	switch {
	case len(f.PNG) > 0:
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))
	case len(f.SVG) > 0:
		return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.SVG))
	}
	return ""
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1b1f23; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.5rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.25rem; }
table { border-collapse: collapse; margin: 0.75rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; white-space: nowrap; }
tr.pass td:first-child { border-left: 4px solid #1a7f37; }
tr.warning td:first-child { border-left: 4px solid #bf8700; }
tr.fail td:first-child { border-left: 4px solid #cf222e; }
tr.fail { background: #ffebe9; }
tr.warning { background: #fff8c5; }
.verdict { display: inline-block; padding: 0.15rem 0.6rem; border-radius: 0.3rem; color: #fff; font-weight: 600; }
.verdict.pass { background: #1a7f37; }
.verdict.warning { background: #9a6700; }
.verdict.fail { background: #cf222e; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid #d0d7de; }
figcaption { font-size: 0.9rem; color: #57606a; }
.note { font-style: italic; }
</style>
</head>
<body>
<h1>{{.Title}} <span class="verdict {{.Verdict}}">{{.Verdict}}</span></h1>
{{range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{- range .Blocks}}
{{- if .Table}}
<table>
<thead><tr>{{range .Table.Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- $t := .Table}}
{{- range $i, $row := .Table.Rows}}
<tr{{with index $t.Class $i}} class="{{.}}"{{end}}>{{range $j, $c := $row}}<td{{if index $t.Right $j}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- else if .Figure}}
{{- $f := .Figure}}
<figure id="plot-{{$f.Name}}">
{{- with $f.ImageURI}}
<img src="{{.}}" alt="{{$f.Title}}">
{{- end}}
<figcaption>{{.Figure.Title}}{{with .Figure.Note}} <span class="note">{{.}}</span>{{end}}</figcaption>
</figure>
{{- else if .List}}
<ul>
{{- range .List}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- else}}
<p>{{.Para}}</p>
{{- end}}
{{- end}}
</section>
{{- end}}
</body>
</html>
`))
