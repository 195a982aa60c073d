package report

import (
	"bufio"
	"io"
	"net/url"
	"strings"

	"github.com/greenlang/gl001/reports/plots"
)

// WriteMarkdown writes the report as Markdown (CommonMark with GitHub
// tables), in this order: Verdict, Predicted vs observed, Triggers,
// Decision tree, Right-sizing, Thresholds, Schedule kept, HPA replay,
// Plots, Gaps, Run details. Plots are image links to NAME.png beside the file (NAME.svg for
// a figure without a PNG), as WriteAll writes them.
func (r Report) WriteMarkdown(w io.Writer, figs []plots.Figure) error {
	doc := r.build(figs)
	bw := bufio.NewWriter(w)
	bw.WriteString("# " + mdText(doc.Title) + "\n")
	for _, s := range doc.Sections {
		bw.WriteString("\n## " + mdText(s.Title) + "\n")
		for _, b := range s.Blocks {
			bw.WriteString("\n")
			switch {
			case b.Table != nil:
				writeMDTable(bw, b.Table)
			case b.Figure != nil:
				f := b.Figure
				file := f.Name + ".png"
				if len(f.PNG) == 0 && len(f.SVG) > 0 {
					file = f.Name + ".svg" // WriteAll writes only the formats a figure has
				}
				bw.WriteString("![" + mdText(f.Title) + "](" + url.PathEscape(file) + ")\n")
				if f.Note != "" {
					bw.WriteString("\n*" + mdText(f.Note) + "*\n")
				}
			case b.List != nil:
				for _, item := range b.List {
					bw.WriteString("- " + mdText(item) + "\n")
				}
			default:
				bw.WriteString(mdText(b.Para) + "\n")
			}
		}
	}
	return bw.Flush()
}

func writeMDTable(w *bufio.Writer, t *table) {
	w.WriteString("|")
	for _, h := range t.Head {
		w.WriteString(" " + mdCell(h) + " |")
	}
	w.WriteString("\n|")
	for i := range t.Head {
		if t.Right[i] {
			w.WriteString("---:|")
		} else {
			w.WriteString("---|")
		}
	}
	w.WriteString("\n")
	for _, row := range t.Rows {
		w.WriteString("|")
		for _, c := range row {
			w.WriteString(" " + mdCell(c) + " |")
		}
		w.WriteString("\n")
	}
}

// mdText escapes what Markdown would otherwise read as markup: emphasis,
// code, links, and "<" before a letter (an HTML tag). Newlines become
// spaces, so text read from elsewhere (a sampler's error) cannot start a
// block.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "`", "\\`", "[", `\[`, "]", `\]`, "\r\n", " ", "\n", " ", "\r", " ",
)

func mdText(s string) string {
	out := mdInline(s)
	// A line starting with ">" or "#" would be a quote or a heading.
	if strings.HasPrefix(out, ">") || strings.HasPrefix(out, "#") {
		out = `\` + out
	}
	return out
}

// mdInline escapes inline markup only.
func mdInline(s string) string {
	s = mdEscaper.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' && i+1 < len(s) && isTagStart(s[i+1]) {
			b.WriteString(`\<`)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isTagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// mdCell is mdText for a table cell, where "|" ends the cell and a
// leading ">" is plain text.
func mdCell(s string) string {
	return strings.ReplaceAll(mdInline(s), "|", `\|`)
}
