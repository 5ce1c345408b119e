package stack

import (
	"errors"
	"fmt"
)

// ValidationError is a template or parameter mistake found before anything
// is created. Message is CloudFormation's own text for it, which the stack
// API returns as a ValidationError; File and Line say where it is, for
// `gatehouse up`, and are left out of what the API returns.
type ValidationError struct {
	Message string
	File    string
	Line    int
}

func (e *ValidationError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	case e.File != "":
		return e.File + ": " + e.Message
	}
	return e.Message
}

// Message returns the CloudFormation text of err: the message of the first
// ValidationError in it, or err's own text when there is none.
func Message(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Message
	}
	return err.Error()
}

// errAt is a ValidationError at a line of the template.
func (t *Template) errAt(line int, format string, args ...any) error {
	return &ValidationError{File: t.File, Line: line, Message: fmt.Sprintf(format, args...)}
}

// formatErr is a "Template format error" at a line of the template.
func (t *Template) formatErr(line int, format string, args ...any) error {
	return t.errAt(line, "Template format error: "+format, args...)
}

// templateErr is a "Template error", CloudFormation's prefix for a
// function used wrongly.
func (t *Template) templateErr(line int, format string, args ...any) error {
	return t.errAt(line, "Template error: "+format, args...)
}

// evalError is a mistake found while evaluating a value, carrying
// CloudFormation's text; the caller places it at its resource's line.
type evalError struct{ msg string }

func (e *evalError) Error() string { return e.msg }

func evalErr(format string, args ...any) error {
	return &evalError{fmt.Sprintf(format, args...)}
}

// at places an evaluation error at a line, keeping CloudFormation's text
// as the message.
func (t *Template) at(line int, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	return &ValidationError{File: t.File, Line: line, Message: err.Error()}
}
