package webhookreceiver

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
