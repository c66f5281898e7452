package canonjson

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// transcriptUpdate is an Attendee-like transcript.update delivery of about
// 1 KiB, as Python's json.dumps writes it.
const transcriptUpdate = `{"idempotency_key": "5b1c7e2a-9d4f-4c3b-8a6e-1f2d3c4b5a69", "bot_id": "bot_3hfP0PXEsNinIZmh", "bot_metadata": {"customer": "Zo\u00eb & co <test>", "meeting_ref": "weekly-sync-42", "tags": ["sales", "emea"]}, "trigger": "transcript.update", "data": {"speaker_name": "Ren\u00e9e Dupont", "speaker_uuid": "16778240", "speaker_user_uuid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "speaker_is_host": true, "timestamp_ms": 1752589845123, "duration_ms": 4210, "transcription": {"transcript": "Thanks everyone for joining \u2014 let's review the Q3 numbers, then the caf\u00e9 launch plan. \ud83d\ude80", "words": [{"word": "Thanks", "start": 0.0, "end": 0.42, "confidence": 0.98}, {"word": "everyone", "start": 0.42, "end": 0.9, "confidence": 0.97}, {"word": "for", "start": 0.9, "end": 1.05, "confidence": 0.99}, {"word": "joining", "start": 1.05, "end": 1.5, "confidence": 0.96}], "language": "en-US", "is_final": true}, "metadata": {"source": "deepgram", "model": "nova-2", "latency_ms": 312.5, "segment": 17, "channel": null}}}`

func TestBenchmarkPayloads(t *testing.T) {
	require.GreaterOrEqual(t, len(transcriptUpdate), 1000)
	require.LessOrEqual(t, len(transcriptUpdate), 1300)
	out, err := Append(nil, []byte(transcriptUpdate))
	require.NoError(t, err)
	require.Contains(t, string(out), "\"speaker_name\":\"Ren\u00e9e Dupont\"")
	require.Contains(t, string(out), "\"transcription\":{\"is_final\":true,\"language\":\"en-US\",\"transcript\":")
	require.Contains(t, string(out), "\U0001F680\"")
}

func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct{ name, doc string }{
		{"vector2", vector2},
		{"transcript_update", transcriptUpdate},
	} {
		data := []byte(bc.doc)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var dst []byte
			for b.Loop() {
				var err error
				if dst, err = Append(dst[:0], data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/nil_dst", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Append(nil, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
