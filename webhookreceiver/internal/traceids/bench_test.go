package traceids

import (
	"strconv"
	"testing"
)

// BenchmarkRoot asks for the roots of 100 bots in turn, as deliveries about
// them do.
func BenchmarkRoot(b *testing.B) {
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "attendee/bot/bot_load" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := range b.N {
		Root(keys[i%len(keys)])
	}
}

func BenchmarkChild(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		Child("attendee/bot/bot_load7/utterance/16778240/" + strconv.Itoa(1752588300000+i%1000))
	}
}
