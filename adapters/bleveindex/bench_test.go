package bleveindex

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bangumi/chii/domain/search"
)

// Synthetic subjects, a pure function of the id: names mixing CJK and Latin, aliases, tags
// drawn with a skew (a few common tags, a long tail), dates, ratings, ranks (40% unranked).
var (
	benchKanji = []rune("魔法少女進撃巨人涼宮憂鬱反逆機動戦士銀河英雄伝説鋼錬金術師新世紀福音戦士攻殻機動隊天空城翼物語東京喰種鬼滅刃呪術廻戦約束夢幻世界冒険学園青春恋愛日常")
	benchKana  = []rune("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー")
	benchHanzi = []rune("魔法少女进击的巨人凉宫春日忧郁叛逆鲁路修机动战士银河英雄传说钢之炼金术师新世纪福音战士攻壳天空之城物语东京食尸鬼灭之刃咒术回战约定梦幻世界冒险学园青春恋爱日常")
	benchLatin = strings.Fields("code geass rebellion lelouch magical girl attack titan melancholy haruhi mobile suit gundam legend galactic heroes fullmetal alchemist evangelion ghost shell castle sky tokyo ghoul demon slayer jujutsu kaisen promised neverland dream world adventure academy youth romance slice life stellar chronicle odyssey requiem symphony")
	benchMeta  = strings.Fields("TV OVA 剧场版 WEB 原创 漫画改 小说改 游戏改 日本 中国 美国 短片 3D 科幻 奇幻 恋爱 校园 日常 战斗 悬疑")
)

func benchPick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func benchRunes(r *rand.Rand, pool []rune, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	out := make([]rune, n)
	for i := range out {
		out[i] = benchPick(r, pool)
	}
	return string(out)
}

func benchTag(r *rand.Rand) string {
	// skewed: tag k with probability ~ 1/(k+1)
	k := int(float64(2000) * r.Float64() * r.Float64() * r.Float64())
	if k%3 == 0 {
		return "标签" + strconv.Itoa(k)
	}
	return "tag" + strconv.Itoa(k)
}

func benchSubject(id uint32) search.SubjectDoc {
	r := rand.New(rand.NewPCG(uint64(id), 0x5eed))
	name := benchRunes(r, benchKanji, 2, 5) + benchRunes(r, benchKana, 1, 4)
	if r.IntN(3) == 0 {
		name += " " + benchPick(r, benchLatin) + " " + strconv.Itoa(r.IntN(4)+1)
	}
	aliases := []string{benchRunes(r, benchHanzi, 3, 8)}
	if r.IntN(2) == 0 {
		aliases = append(aliases, strings.Join([]string{benchPick(r, benchLatin), benchPick(r, benchLatin), benchPick(r, benchLatin)}, " "))
	}
	tags := make([]string, r.IntN(9))
	for i := range tags {
		tags[i] = benchTag(r)
	}
	votes := uint32(r.ExpFloat64() * 500)
	d := search.SubjectDoc{
		ID: id, Name: name, Aliases: aliases, Tag: tags,
		MetaTag:     []string{benchPick(r, benchMeta), benchPick(r, benchMeta)},
		Date:        (1960+r.IntN(66))*10000 + (1+r.IntN(12))*100 + 1 + r.IntN(28),
		RatingCount: votes, PageRank: float64(votes),
		Heat: votes*3 + uint32(r.IntN(100)), Type: uint8(1 + r.IntN(6)), NSFW: r.IntN(20) == 0,
	}
	if votes > 0 {
		d.Score = float64(10+r.IntN(91)) / 10
	}
	if r.IntN(10) >= 4 {
		d.Rank = 1 + uint32(r.IntN(30000))
	}
	return d
}

// benchIndex writes subjects 1..n in batches of batch into ix.
func benchIndex(tb testing.TB, ix *Index, n, batch int) {
	tb.Helper()
	docs := make([]search.SubjectDoc, 0, batch)
	for id := 1; id <= n; id++ {
		docs = append(docs, benchSubject(uint32(id)))
		if len(docs) == batch || id == n {
			if err := ix.Upsert(context.Background(), search.Documents{Subjects: docs}); err != nil {
				tb.Fatalf("Upsert up to %d: %v", id, err)
			}
			docs = docs[:0]
		}
	}
}

func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return size
}

// peakRSS is VmHWM of this process in MB (0 where /proc is missing).
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuTime is the CPU time (user and system) this process has used. On a shared machine it
// measures a query's cost better than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS starts VmHWM again from the current RSS (Linux: "5" to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// BenchmarkReindex200k rebuilds a directory index of 200,000 subjects in batches of 1,000
// (each batch durable before the next, as the indexer writes), and reports the rate, the
// index size on disk after Close, and the peak RSS of the process during the rebuild.
func BenchmarkReindex200k(b *testing.B) {
	const n, batch = 200_000, 1_000
	resetPeakRSS()
	cpu0 := cpuTime()
	var elapsed time.Duration
	var size int64
	for range b.N {
		dir := b.TempDir()
		ix, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		benchIndex(b, ix, n, batch)
		elapsed += time.Since(start)
		if c, err := ix.Count(context.Background(), search.KindSubject); err != nil || c != n {
			b.Fatalf("Count = %d, %v; want %d", c, err, n)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		size = dirSize(b, dir)
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "docs/s")
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
	b.ReportMetric(float64(size)/(1<<20), "index-MB")
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}

// BenchmarkSearch runs three representative queries on a 20,000-subject directory index and
// reports the median and 99th-percentile latencies and the rate of one client.
func BenchmarkSearch(b *testing.B) {
	const n = 20_000
	ix, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	benchIndex(b, ix, n, 1_000)
	settle(b, ix)

	cjk := []rune(benchSubject(4242).Aliases[0])[1:3] // two characters inside a Chinese alias
	queries := []struct {
		name string
		q    search.Query
	}{
		{"CJKKeyword", search.Query{Kind: search.KindSubject, Keyword: string(cjk), Limit: 20}},
		{"LatinKeywordFilter", search.Query{Kind: search.KindSubject, Keyword: "evangelion", Limit: 20, Filter: search.Filter{
			{{Field: search.FieldType, Op: search.Eq, Value: search.Number(2)}},
			{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(false)}},
		}}},
		{"PlaceholderTagSortRank", search.Query{Kind: search.KindSubject, Sort: search.SortRank, Limit: 20, Filter: search.Filter{
			{{Field: search.FieldTag, Op: search.Eq, Value: search.String("tag1")}},
		}}},
	}
	for _, tc := range queries {
		b.Run(tc.name, func(b *testing.B) {
			res, err := ix.Search(context.Background(), tc.q)
			if err != nil || len(res.IDs) == 0 {
				b.Fatalf("Search(%+v) = %v, %v; want hits (a representative query)", tc.q, res, err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			cpu0 := cpuTime()
			start := time.Now()
			for range b.N {
				t0 := time.Now()
				if _, err := ix.Search(context.Background(), tc.q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			total := time.Since(start)
			cpu := cpuTime() - cpu0
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
			b.ReportMetric(pct(0.50), "p50-µs")
			b.ReportMetric(pct(0.99), "p99-µs")
			b.ReportMetric(float64(b.N)/total.Seconds(), "queries/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/query")
			b.ReportMetric(float64(res.Total), "hits")
		})
	}
}

// settle waits (at most a minute) until the background merges of the subjects' index stop
// changing its segments, so that queries are timed on the steady state, not during merges.
func settle(tb testing.TB, ix *Index) {
	tb.Helper()
	segments := func() string {
		m, _ := ix.kinds[search.KindSubject].StatsMap()["index"].(map[string]any)
		return fmt.Sprint(m["num_root_filesegments"], m["num_root_memorysegments"], m["TotFileMergeIntroductionsDone"])
	}
	last, stable := segments(), 0
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && stable < 10; {
		time.Sleep(100 * time.Millisecond)
		if now := segments(); now == last {
			stable++
		} else {
			last, stable = now, 0
		}
	}
	tb.Logf("segments (file, memory, merges done): %s", last)
}
