package webhookreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"

	"github.com/eventhooks/collector/webhookreceiver/internal/provider"
)

// markdownFiles are the repository's documents.
func markdownFiles(t *testing.T) []string {
	var files []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// Every relative link of every document leads to a file that exists.
func TestDocsLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, file := range markdownFiles(t) {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			_, err := os.Stat(filepath.Join(filepath.Dir(file), target))
			require.NoError(t, err, "%s links to %s", file, m[1])
			checked++
		}
	}
	t.Logf("%d relative links", checked)
}

// configKeys lists the option paths of a configuration struct, as
// mapstructure reads them ("dedup.window"); squashed structs add theirs at
// the same level.
func configKeys(typ reflect.Type, prefix string, keys map[string]bool) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("mapstructure")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-" || strings.Contains(opts, "remain"):
			continue
		case strings.Contains(opts, "squash"):
			configKeys(f.Type, prefix, keys)
			continue
		case name == "":
			continue
		}
		keys[prefix+name] = true
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			configKeys(ft, prefix+name+".", keys)
		}
	}
}

// Every option the READMEs' option tables name exists: the receiver's own,
// confighttp's, and each platform's (under its key, or under <platform>
// for the options every platform has, or alone in the platform's own table).
func TestDocsOptionsExist(t *testing.T) {
	keys := map[string]bool{}
	configKeys(reflect.TypeFor[Config](), "", keys)
	configKeys(reflect.TypeFor[provider.Common](), "<platform>.", keys)
	for _, f := range factories {
		configKeys(reflect.TypeOf(f.NewConfig()), f.Key+".", keys)
	}
	require.True(t, keys["dedup.window"] && keys["endpoint"] && keys["attendee.secrets"] && keys["<platform>.path"], "the walk finds nested, squashed and platform options")

	// A platform's own table names its options without its key.
	known := func(option string) bool {
		if keys[option] || keys["<platform>."+option] {
			return true
		}
		for _, f := range factories {
			if keys[f.Key+"."+option] {
				return true
			}
		}
		return false
	}
	row := regexp.MustCompile("(?m)^\\| (`[^|]*) \\|")
	name := regexp.MustCompile("`([^`]+)`")
	named := 0
	for _, file := range []string{filepath.Join("..", "README.md"), "README.md"} {
		b, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		for _, table := range strings.Split(string(b), "| option |")[1:] {
			table, _, _ = strings.Cut(table, "\n\n") // up to the table's end
			for _, cell := range row.FindAllStringSubmatch(table, -1) {
				for _, n := range name.FindAllStringSubmatch(cell[1], -1) {
					require.True(t, known(n[1]), "%s names the option %s, which the configuration does not have", file, n[1])
					named++
				}
			}
		}
	}
	require.Positive(t, named)
	t.Logf("%d options named", named)
}

// Every option of the receiver and of each platform is in the component's
// reference: named in a table or the text, or shown in its YAML.
func TestDocsOptionsDocumented(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	doc := string(b)
	documented := func(key string) bool {
		last := key[strings.LastIndex(key, ".")+1:]
		return strings.Contains(doc, "`"+key+"`") || strings.Contains(doc, " "+last+": ") || strings.Contains(doc, " "+last+":\n")
	}
	own := map[string]bool{}
	configKeys(reflect.TypeFor[Config](), "", own)
	server := map[string]bool{}
	configKeys(reflect.TypeOf(createDefaultConfig().(*Config).ServerConfig), "", server)
	for key := range own {
		if !server[key] { // confighttp's options are confighttp's to document
			require.True(t, documented(key), "the option %s is not in webhookreceiver/README.md", key)
		}
	}
	for _, f := range factories {
		keys := map[string]bool{}
		configKeys(reflect.TypeOf(f.NewConfig()), "", keys)
		for key := range keys {
			require.True(t, documented(key) || documented(f.Key+"."+key) || documented("<platform>."+key),
				"the option %s.%s is not in webhookreceiver/README.md", f.Key, key)
		}
	}
}

// yamlBlocks returns the ```yaml blocks of a document, with the line each
// starts on.
func yamlBlocks(t *testing.T, file string) map[int]string {
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	blocks := map[int]string{}
	var block []string
	start := 0
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case start == 0 && strings.TrimSpace(line) == "```yaml":
			start, block = i+1, nil
		case start != 0 && strings.TrimSpace(line) == "```":
			blocks[start] = strings.Join(block, "\n")
			start = 0
		case start != 0:
			block = append(block, line)
		}
	}
	return blocks
}

// Every collector configuration the documents show loads as the
// distribution loads a configuration (its file and env providers, with
// the environment variables it names set), and each webhook receiver in it
// validates. A block that is an ocb manifest, not a configuration, is left
// to the build.
func TestDocsYAMLBlocksLoad(t *testing.T) {
	for name, value := range map[string]string{
		"ATTENDEE_WEBHOOK_SECRET": attendeeSecret, "EVENTSAIR_WEBHOOK_SECRET": testSecret, "MEETBOT_WEBHOOK_SECRET": testSecret,
		"IOTUM_SIGNING_TOKEN": iotumToken, "AIRMEET_WEBHOOK_TOKEN": airmeetToken, "AIRMEET_ACCESS_KEY": "ak", "AIRMEET_SECRET_KEY": "sk",
		"GITHUB_WEBHOOK_SECRET": "gs", "SLACK_SIGNING_SECRET": "ss", "ZOOM_SECRET_TOKEN": "zs",
	} {
		t.Setenv(name, value)
	}
	receivers := 0
	for _, file := range []string{"../README.md", "README.md"} {
		for line, block := range yamlBlocks(t, file) {
			where := fmt.Sprintf("%s:%d", file, line)
			path := filepath.Join(t.TempDir(), "block.yaml")
			require.NoError(t, os.WriteFile(path, []byte(block), 0o600))
			resolver, err := confmap.NewResolver(confmap.ResolverSettings{
				URIs:              []string{"file:" + path},
				ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
				DefaultScheme:     "env",
			})
			require.NoError(t, err)
			conf, err := resolver.Resolve(context.Background())
			require.NoError(t, err, "%s does not load", where)
			if conf.IsSet("dist") || conf.IsSet("replaces") {
				continue // an ocb manifest
			}
			sub, err := conf.Sub("receivers")
			require.NoError(t, err, where)
			for id := range sub.ToStringMap() {
				if id != "webhook" && !strings.HasPrefix(id, "webhook/") {
					continue
				}
				rc, err := sub.Sub(id)
				require.NoError(t, err)
				cfg := createDefaultConfig().(*Config)
				require.NoError(t, rc.Unmarshal(cfg), "%s: %s", where, id)
				require.NoError(t, cfg.Validate(), "%s: %s", where, id)
				receivers++
			}
		}
	}
	require.GreaterOrEqual(t, receivers, 2)
}

// Every dimension examples/spanmetrics.yaml counts by is an attribute that
// spans carry: one that only log records carry would make no series.
func TestSpanmetricsExampleDimensionsAreSpanAttributes(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "examples", "spanmetrics.yaml"))
	require.NoError(t, err)
	traces, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.traces.yaml"))
	require.NoError(t, err)
	var golden strings.Builder
	for _, f := range traces {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		golden.Write(b)
	}
	dims := regexp.MustCompile(`(?m)^\s+- name: (\S+)`).FindAllStringSubmatch(string(example), -1)
	require.NotEmpty(t, dims)
	for _, d := range dims {
		require.Contains(t, golden.String(), "key: "+d[1], "no span in testdata carries %s", d[1])
	}
}

// The repository stands alone: no file refers its reader to a document
// that is not in it, or to the machine it was built on.
func TestRepositoryStandsAlone(t *testing.T) {
	outside := []string{"DESIGN" + ".md", "module " + "mirror"}
	checked := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !(d.Name() == "Makefile" || slices.Contains([]string{".md", ".yaml", ".go", ".py", ".sh"}, filepath.Ext(path))) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range outside {
			require.NotContains(t, string(b), s, "%s refers to %q", path, s)
		}
		checked++
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, checked, 100)
}

// The reference's status table says what metadata.yaml says: its
// stability by signal, the distributions that carry it, its code owners.
func TestStatusTableFromMetadata(t *testing.T) {
	meta := loadMetadata(t)
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := func(name string) string {
		m := regexp.MustCompile(`(?m)^\| ` + name + ` \| (.*) \|$`).FindStringSubmatch(string(b))
		require.NotNil(t, m, "no %s row", name)
		return m[1]
	}
	var stability []string
	levels := make([]string, 0, len(meta.Status.Stability))
	for level := range meta.Status.Stability {
		levels = append(levels, level)
	}
	slices.Sort(levels)
	for _, level := range levels {
		stability = append(stability, level+": "+strings.Join(meta.Status.Stability[level], ", "))
	}
	require.Equal(t, strings.Join(stability, "; "), row("Stability"))
	require.NotEmpty(t, meta.Status.Distributions)
	for _, d := range meta.Status.Distributions {
		require.Contains(t, row("Distributions"), "`otelcol-"+d+"`")
	}
	require.Equal(t, strings.Join(meta.Status.Codeowners.Active, ", "), row("Code owners"))
}

// The outcomes the receiver counts are those metadata.yaml (and so the
// generated documentation) lists.
func TestOutcomesFromMetadata(t *testing.T) {
	require.Equal(t, loadMetadata(t).Attributes.Outcome.Enum, outcomes)
}

// metadataFile is what the tests read of metadata.yaml.
type metadataFile struct {
	Status struct {
		Stability     map[string][]string `mapstructure:"stability"`
		Distributions []string            `mapstructure:"distributions"`
		Codeowners    struct {
			Active []string `mapstructure:"active"`
		} `mapstructure:"codeowners"`
	} `mapstructure:"status"`
	Attributes struct {
		Outcome struct {
			Enum []string `mapstructure:"enum"`
		} `mapstructure:"outcome"`
	} `mapstructure:"attributes"`
}

func loadMetadata(t *testing.T) metadataFile {
	t.Helper()
	conf, err := confmaptest.LoadConf("metadata.yaml")
	require.NoError(t, err)
	var meta metadataFile
	require.NoError(t, conf.Unmarshal(&meta, confmap.WithIgnoreUnused()))
	return meta
}
