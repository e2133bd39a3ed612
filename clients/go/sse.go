package wakubot

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"time"
)

// maxSSELine bounds one line of an event stream (a message event carries a
// text of up to 1,000,000 characters, JSON-escaped).
const maxSSELine = 32 << 20

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	id    string // the last event id seen on the stream (it persists)
	event string // "message" when the stream named none
	data  string // data lines joined with "\n"
}

// sseDecoder reads server-sent events as the HTML standard describes them:
// lines end in CRLF, LF or CR; a line starting with ":" is a comment; a
// field line is "name: value" (one space after the colon is dropped); "data"
// lines accumulate; a blank line dispatches; "retry" sets the reconnection
// delay; an "id" containing NUL is ignored; an event cut off by the end of
// the stream is dropped.
type sseDecoder struct {
	scanner *bufio.Scanner
	lastID  string
	retry   time.Duration // 0 until the server sends "retry"
	started bool
}

func newSSEDecoder(r io.Reader, lastID string) *sseDecoder {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	s.Split(sseLines())
	return &sseDecoder{scanner: s, lastID: lastID}
}

// sseLines splits on CRLF, LF or CR without waiting to see whether an LF
// follows a CR (a stream can pause right after one).
func sseLines() bufio.SplitFunc {
	skipLF := false
	return func(data []byte, atEOF bool) (int, []byte, error) {
		start := 0
		if skipLF && len(data) > 0 {
			// The LF of a CRLF whose CR ended the previous line.
			skipLF = false
			if data[0] == '\n' {
				start = 1
			}
		}
		if i := bytes.IndexAny(data[start:], "\r\n"); i >= 0 {
			skipLF = data[start+i] == '\r'
			return start + i + 1, data[start : start+i], nil
		}
		if atEOF && len(data) > start {
			// An unterminated last line: hand it over; with no blank line
			// after it, its event is not dispatched.
			return len(data), data[start:], nil
		}
		return start, nil, nil
	}
}

// next returns the next event, or the reader's error (io.EOF at a clean end).
func (d *sseDecoder) next() (sseEvent, error) {
	var data bytes.Buffer
	event := ""
	hasData := false
	for d.scanner.Scan() {
		line := d.scanner.Bytes()
		if !d.started {
			d.started = true
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(line) == 0 {
			if !hasData {
				event = ""
				continue
			}
			if event == "" {
				event = "message"
			}
			b := data.Bytes()
			b = b[:len(b)-1] // the last data line's "\n"
			return sseEvent{id: d.lastID, event: event, data: string(b)}, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			hasData = true
			data.Write(value)
			data.WriteByte('\n')
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				d.lastID = string(value)
			}
		case "retry":
			if ms, err := strconv.ParseUint(string(value), 10, 31); err == nil && len(value) > 0 && value[0] != '+' {
				d.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := d.scanner.Err(); err != nil {
		return sseEvent{}, err
	}
	return sseEvent{}, io.EOF
}
