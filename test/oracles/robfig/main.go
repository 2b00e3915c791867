// Oracle for the "dapr" cron dialect: the real github.com/robfig/cron/v3 parser and scheduler,
// configured with seconds (6 fields) and descriptors, the way Dapr uses it.
//
// Batch mode: one JSON request per stdin line {"expr","tz","from","n"} (from = epoch ms),
// one JSON answer per stdout line {"times":[epoch ms...]} or {"error":"..."}.
// robfig gives up 5 years after the time it is asked about (returns the zero time); the answer
// then simply holds fewer than n times.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"time"
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

type request struct {
	Expr string `json:"expr"`
	Tz   string `json:"tz"`
	From int64  `json:"from"`
	N    int    `json:"n"`
}

type answer struct {
	Times []int64 `json:"times,omitempty"`
	Error string  `json:"error,omitempty"`
}

func main() {
	parser := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			_ = enc.Encode(answer{Error: "bad request: " + err.Error()})
			continue
		}
		_ = enc.Encode(run(parser, req))
	}
}

func run(parser cron.Parser, req request) (ans answer) {
	defer func() {
		if r := recover(); r != nil {
			ans = answer{Error: "panic"}
		}
	}()
	loc, err := time.LoadLocation(req.Tz)
	if err != nil {
		return answer{Error: err.Error()}
	}
	sched, err := parser.Parse(req.Expr)
	if err != nil {
		return answer{Error: err.Error()}
	}
	t := time.UnixMilli(req.From).In(loc)
	times := []int64{}
	for len(times) < req.N {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		times = append(times, t.UnixMilli())
	}
	return answer{Times: times}
}
