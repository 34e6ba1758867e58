package main

// No hint suggests what the command printing it does not support: a test
// that reads the code. It finds every hint string — the text of an
// ops.WithHint call, of an ops.Hinted, and what a function named …Hint
// returns — and the commands that can print it (the functions each
// command reaches, by name, through cmd/nbfleet and internal/ops), and
// checks that every flag a hint names is a flag of that command, or of the
// nbfleet command the hint spells out ("nbfleet plan FLEET --out FILE"),
// and that every command it names exists. A hint of a flag only some
// commands have is built with withFlag, which the test checks apart.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// hintSource is one hint string and the function it is in.
type hintSource struct {
	pkg, fn string
	text    string
	pos     token.Position
}

// codeGraph is the functions of the packages read, by "pkg.name"
// (methods by name too: a call graph by name over-approximates, which
// makes the check stricter), and the functions each one refers to.
type codeGraph struct {
	refs  map[string]map[string]bool
	hints []hintSource
	// guarded are withFlag(cmd, "name", "text") calls: text must name
	// only --name.
	guarded []hintSource
	uses    map[string]string // command name → its new…Cmd function
}

func readCode(t *testing.T) *codeGraph {
	t.Helper()
	g := &codeGraph{refs: map[string]map[string]bool{}, uses: map[string]string{}}
	fset := token.NewFileSet()
	funcs := map[string]bool{}
	type fileOf struct {
		pkg string
		f   *ast.File
	}
	var files []fileOf
	for pkg, dir := range map[string]string{"main": ".", "ops": filepath.Join(repoRoot, "internal", "ops")} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			if strings.HasSuffix(m, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, m, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, fileOf{pkg, f})
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					funcs[pkg+"."+fd.Name.Name] = true
				}
			}
		}
	}
	str := func(e ast.Expr) (string, bool) {
		if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			s, err := strconv.Unquote(bl.Value)
			return s, err == nil
		}
		return "", false
	}
	for _, fo := range files {
		for _, d := range fo.f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			key := fo.pkg + "." + fd.Name.Name
			refs := map[string]bool{}
			g.refs[key] = refs
			addHint := func(list *[]hintSource, e ast.Expr) {
				if s, ok := str(e); ok {
					*list = append(*list, hintSource{fo.pkg, key, s, fset.Position(e.Pos())})
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok && x.Name == "ops" {
						refs["ops."+n.Sel.Name] = true
					} else if funcs[fo.pkg+"."+n.Sel.Name] {
						refs[fo.pkg+"."+n.Sel.Name] = true
					}
				case *ast.Ident:
					if funcs[fo.pkg+"."+n.Name] {
						refs[fo.pkg+"."+n.Name] = true
					}
				case *ast.CallExpr:
					var name string
					switch f := n.Fun.(type) {
					case *ast.Ident:
						name = f.Name
					case *ast.SelectorExpr:
						name = f.Sel.Name
					}
					switch {
					case name == "WithHint" && len(n.Args) > 1:
						for _, a := range n.Args[1:] {
							addHint(&g.hints, a)
						}
					case name == "withFlag" && len(n.Args) == 3:
						flag, _ := str(n.Args[1])
						if text, ok := str(n.Args[2]); ok {
							g.guarded = append(g.guarded, hintSource{fo.pkg, flag, text, fset.Position(n.Pos())})
						}
						return false // its text is checked apart
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Hint" {
						addHint(&g.hints, n.Value)
					}
				case *ast.ReturnStmt:
					if strings.HasSuffix(strings.ToLower(fd.Name.Name), "hint") {
						for _, r := range n.Results {
							addHint(&g.hints, r)
						}
					}
				case *ast.CompositeLit:
					// A command: &cobra.Command{Use: "name …"} in a new…Cmd.
					if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Command" && strings.HasPrefix(fd.Name.Name, "new") {
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Use" {
									if use, ok := str(kv.Value); ok {
										g.uses[strings.Fields(use)[0]] = key
									}
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	return g
}

// reach is every function reachable from start, not entering stop.
func (g *codeGraph) reach(start string, stop map[string]bool) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(f string) {
		if seen[f] {
			return
		}
		seen[f] = true
		for r := range g.refs[f] {
			if !stop[r] {
				walk(r)
			}
		}
	}
	walk(start)
	return seen
}

var (
	hintFlag    = regexp.MustCompile(`--[a-z][a-z0-9-]*`)
	hintCommand = regexp.MustCompile(`\bnbfleet ([a-z][a-z-]*)`)
)

// hintMentions splits a hint into what it asks of the printing command
// (flags before any "nbfleet X") and of each command it spells out: a
// "nbfleet X …" runs to the end of its clause.
func hintMentions(text string) (own []string, spelled map[string][]string) {
	spelled = map[string][]string{}
	for _, clause := range strings.Split(text, ";") {
		locs := hintCommand.FindAllStringSubmatchIndex(clause, -1)
		if len(locs) == 0 {
			own = append(own, hintFlag.FindAllString(clause, -1)...)
			continue
		}
		own = append(own, hintFlag.FindAllString(clause[:locs[0][0]], -1)...)
		for i, l := range locs {
			end := len(clause)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			name := clause[l[2]:l[3]]
			spelled[name] = append(spelled[name], hintFlag.FindAllString(clause[l[1]:end], -1)...)
		}
	}
	return own, spelled
}

func hasFlagNamed(c *cobra.Command, flag string) bool {
	name := strings.TrimPrefix(flag, "--")
	return c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil || name == "help"
}

func TestHintsExist(t *testing.T) {
	g := readCode(t)
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	commands := map[string]*cobra.Command{"nbfleet": root}
	for _, c := range root.Commands() {
		commands[c.Name()] = c
	}
	// What each command can print: what its constructor reaches, and what
	// every command reaches (run, the exit path, the flag errors), never
	// entering another command's constructor.
	stop := map[string]bool{}
	for _, fn := range g.uses {
		stop[fn] = true
	}
	common := g.reach("main.run", stop)
	printers := map[string][]string{} // function → commands
	var names []string
	for name := range g.uses {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if commands[name] == nil {
			t.Errorf("%s builds a command %q that the tree does not have", g.uses[name], name)
			continue
		}
		for f := range g.reach(g.uses[name], stop) {
			printers[f] = append(printers[f], name)
		}
		for f := range common {
			printers[f] = append(printers[f], name)
		}
	}
	if len(g.hints) < 15 {
		t.Fatalf("found only %d hints: the test no longer reads them", len(g.hints))
	}
	checked := 0
	for _, h := range g.hints {
		own, spelled := hintMentions(h.text)
		for cmdName, flags := range spelled {
			c := commands[cmdName]
			if c == nil {
				t.Errorf("%s: hint %q names a command nbfleet does not have: nbfleet %s", h.pos, h.text, cmdName)
				continue
			}
			for _, f := range flags {
				if !hasFlagNamed(c, f) {
					t.Errorf("%s: hint %q suggests %s, which nbfleet %s does not have", h.pos, h.text, f, cmdName)
				}
			}
		}
		if len(own) == 0 {
			continue
		}
		who := printers[h.fn]
		if len(who) == 0 {
			t.Errorf("%s: no command reaches %s, which holds the hint %q", h.pos, h.fn, h.text)
		}
		for _, name := range who {
			checked++
			for _, f := range own {
				if !hasFlagNamed(commands[name], f) {
					t.Errorf("%s: hint %q (in %s) suggests %s, which %s, a command that can print it, does not have",
						h.pos, h.text, h.fn, f, commands[name].CommandPath())
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no hint's flags were checked against a command")
	}
	for _, h := range g.guarded {
		own, spelled := hintMentions(h.text)
		if len(spelled) > 0 || len(own) != 1 || own[0] != "--"+h.fn {
			t.Errorf("%s: withFlag(%q, %q) must name that flag and only it", h.pos, h.fn, h.text)
		}
	}
}

func TestHintMentions(t *testing.T) {
	own, spelled := hintMentions("make a new plan with those flags: nbfleet plan FLEET --out FILE; or raise --lock-timeout")
	if strings.Join(own, " ") != "--lock-timeout" || strings.Join(spelled["plan"], " ") != "--out" {
		t.Errorf("own %q, spelled %q", own, spelled)
	}
}
