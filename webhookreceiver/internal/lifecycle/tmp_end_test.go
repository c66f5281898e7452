package lifecycle

import (
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

func accept(ptrace.Traces) error { return nil }

func openBot(t *Tracker, n int) {
	root := fmt.Sprint("attendee/bot/bot_", n)
	t.Apply(src, []provider.Event{ev(
		provider.Transition{Key: root, Name: "attendee.bot", Start: t0, Attributes: map[string]string{"attendee.bot.id": root}},
		provider.Transition{Key: root + "/state", Root: root, Name: "attendee.bot.state", Step: t0, Attributes: map[string]string{"attendee.bot.state": "joining"}},
	)}, accept)
	t.Apply(src, []provider.Event{ev(provider.Transition{Key: root + "/participant/p1", Root: root, Name: "attendee.participant",
		Start: t0.Add(time.Second), PerStart: true, EndsWithRoot: true, Attributes: map[string]string{"attendee.participant.id": "p1"}})}, accept)
}

func BenchmarkTmpEnd(b *testing.B) {
	for _, open := range []int{160, 160000} {
		b.Run(fmt.Sprint(open), func(b *testing.B) {
			t := NewTracker(24*time.Hour, 1<<30)
			for n := range open {
				openBot(t, n)
			}
			b.ResetTimer()
			for i := range b.N {
				n := i * 7919 % open
				if open >= 1000 {
					n = i
				}
				t.Apply(src, []provider.Event{ev(provider.Transition{Key: fmt.Sprint("attendee/bot/bot_", n), Name: "attendee.bot", End: t0.Add(time.Hour)})}, accept)
				if open < 1000 {
					b.StopTimer()
					openBot(t, n)
					b.StartTimer()
				}
			}
		})
	}
}
