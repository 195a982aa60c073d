package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/greenlang/gl001/reports/triggers"
)

// JUnit suite names, also the test cases' classname.
const (
	JUnitThresholdsSuite = "gl001.thresholds"
	JUnitTriggersSuite   = "gl001.triggers"
)

// WriteJUnit writes the report as JUnit XML for CI systems: a suite
// "gl001.thresholds" with one test case per threshold, and a suite
// "gl001.triggers" with one per row of the guide's triggers table (nine).
//
//   - A threshold that did not hold is a failure whose message has the
//     observed value and the expression.
//   - A health trigger that is critical is a failure whose message has the
//     observed value and the band; one not observed is skipped; one at
//     warning, or observed through sampler gaps, passes with the note in
//     system-out (JUnit has no warning).
//   - A planning trigger (plant count, sub-agent count) fails only when
//     its action was not taken; its band is in system-out.
//   - Thresholds that could not be built are one test case with an error.
//
// Each suite carries the report's verdict and completeness as properties.
func (r Report) WriteJUnit(w io.Writer) error {
	props := []junitProperty{
		{"verdict", string(r.Verdict)},
		{"complete", fmt.Sprint(r.Completeness.Complete)},
		{"test_name", r.Run.TestName},
	}
	stamp := ""
	if !r.Run.Start.IsZero() {
		stamp = r.Run.Start.UTC().Format("2006-01-02T15:04:05")
	}
	elapsed := fmt.Sprintf("%.3f", r.Completeness.RanSeconds)

	th := junitSuite{Name: JUnitThresholdsSuite, Timestamp: stamp, Time: elapsed, Properties: props}
	if r.ThresholdsError != "" {
		th.add(junitCase{Name: "thresholds", Error: &junitMessage{Message: r.ThresholdsError, Type: "thresholds"}})
	}
	for _, t := range r.Thresholds {
		c := junitCase{Name: t.Metric + " " + t.Expression}
		msg := fmt.Sprintf("%s; threshold %s %s", t.observedText(), t.Metric, t.Expression)
		switch {
		case t.NoData:
			// Neither held nor failed: nothing was measured.
			c.Skipped = &junitMessage{Message: msg}
		case !t.OK:
			c.Failure = &junitMessage{Message: msg, Type: "threshold", Text: msg}
		default:
			c.SystemOut = msg
		}
		th.add(c)
	}

	tr := junitSuite{Name: JUnitTriggersSuite, Timestamp: stamp, Time: elapsed, Properties: props}
	for _, t := range r.Triggers {
		c := junitCase{Name: t.Name}
		value := t.ValueText()
		switch {
		case t.Planning && t.Taken != nil:
			msg := fmt.Sprintf("%s (%s, %s): %s", value, t.Level, t.Band, t.Note)
			if t.Taken.Status == ActionNotTaken {
				c.Failure = &junitMessage{Message: msg, Type: "planning", Text: msg}
			} else {
				c.SystemOut = msg
			}
		case t.Planning && t.Level == triggers.NotObserved:
			c.Skipped = &junitMessage{Message: t.Note}
		case t.Planning:
			c.SystemOut = fmt.Sprintf("%s (%s, %s): %s", value, t.Level, t.Band, t.Note)
		case t.Level == triggers.NotObserved:
			c.Skipped = &junitMessage{Message: "not observed: " + t.NotObservedReason}
		case t.Level == triggers.Critical:
			msg := fmt.Sprintf("%s is critical (%s): %s", value, t.Band, t.Finding.Action)
			c.Failure = &junitMessage{Message: msg, Type: "critical", Text: msg + "\nbasis: " + t.Basis}
		default:
			c.SystemOut = fmt.Sprintf("%s (%s, %s); %s; basis: %s", value, t.Level, t.Band, t.Note, t.Basis)
		}
		tr.add(c)
	}

	all := junitSuites{Name: "gl001", Time: elapsed, Suites: []junitSuite{th, tr}}
	if r.Run.TestName != "" {
		all.Name += " " + r.Run.TestName
	}
	for _, s := range all.Suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Error     *junitMessage `xml:"error"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func (s *junitSuite) add(c junitCase) {
	c.Classname, c.Time = s.Name, "0"
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
	s.Cases = append(s.Cases, c)
}
