//! The committed completion scripts, tried in the real shells: bash, zsh and fish source
//! `completions/` and are asked for the candidates of a command line, as a Tab would ask.
//! (`tests/cli.rs` checks that the committed scripts are what the binary generates.)
//!
//! A shell that is not installed is skipped with a notice; with
//! `GROUP_EXPORT_REQUIRE_SHELLS` set (`.ci/run` sets it) a missing shell fails the test.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the committed scripts are.
fn completions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions")
}

/// The shell's path, or `None` (with a notice) when it is not installed here.
fn shell(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("GROUP_EXPORT_REQUIRE_SHELLS").is_none(),
            "{name} is not installed, and GROUP_EXPORT_REQUIRE_SHELLS is set \
             (`apt-get install -y bash zsh fish`)"
        );
        eprintln!("notice: {name} is not installed: its completion test is skipped");
    }
    found
}

/// Runs a shell with a clean environment and a throwaway HOME, killed if it hangs; returns
/// its stdout.
fn run_shell(program: &Path, args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("temp home");
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shell starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} hung: {args:?}", program.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        status.success(),
        "{}: {status}\n{stderr}",
        program.display()
    );
    stdout
}

/// bash: the function `complete -p group-export` registered, called as readline calls it
/// (`COMP_WORDS`, `COMP_CWORD`, and the command, current and previous words).
const BASH: &str = r#"
source "$1"; shift
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
spec=$(complete -p group-export) || exit 3
function=${spec#*-F }
function=${function%% *}
COMPREPLY=()
"$function" group-export "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;

/// zsh: an interactive `zsh -f` on a pseudo-terminal (zpty), with compinit over the
/// completions directory; the line is typed with a Tab, `compadd` is wrapped to print what
/// the completion functions offer, and the shell ends after the first completion.
const ZSH: &str = r#"
zmodload zsh/zpty || exit 3
dir=$1 line=$2
setup=$(mktemp)
cat > $setup <<SETUP
PROMPT='' RPROMPT=''
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit && compinit -u -D
compadd() {
  # The calls that only ask (-O, -A) or filter descriptions (-D) go through untouched.
  if (( \${#\${(M)@[1,(i)--]:#-[OAD]*}} )); then builtin compadd "\$@"; return; fi
  local -a hits
  builtin compadd -O hits "\$@"
  local word; for word in \$hits; do print -r -- "CANDIDATE:\$word"; done
}
capture-end() { print -r -- CAPTURE-END; exit }
comppostfuncs=(capture-end)
bindkey '^I' complete-word
print -r -- CAPTURE-READY
SETUP
zpty shell zsh -f -i
zpty -w shell "source ${(q)setup}"
local out
while zpty -r shell out; do
  [[ $out == *CAPTURE-READY* ]] && break
done
zpty -w -n shell "$line"$'\t'
while zpty -r shell out; do
  [[ $out == *CANDIDATE:* ]] && print -r -- ${${out#*CANDIDATE:}%%$'\r'*}
  [[ $out == *CAPTURE-END* ]] && break
done
zpty -d shell
rm -f $setup
"#;

/// The candidates `shell` offers for `line` (a space at its end asks for a new word).
fn candidates(shell: &Path, line: &str) -> Vec<String> {
    let dir = completions_dir();
    let name = shell.file_name().unwrap().to_string_lossy().into_owned();
    let output = match name.as_str() {
        "bash" => {
            let script = dir.join("group-export.bash");
            let mut words: Vec<&str> = line.split_whitespace().collect();
            if line.ends_with(' ') {
                words.push("");
            }
            let mut args = vec!["--norc", "--noprofile", "-c", BASH, "bash"];
            let script = script.to_str().unwrap();
            args.push(script);
            args.extend(words);
            run_shell(shell, &args)
        }
        "zsh" => run_shell(
            shell,
            &["-f", "-c", ZSH, "zsh", dir.to_str().unwrap(), line],
        ),
        "fish" => {
            let script = dir.join("group-export.fish");
            let command = format!(
                "source {}; complete -C {}",
                fish_quote(script.to_str().unwrap()),
                fish_quote(line)
            );
            run_shell(shell, &["--no-config", "-c", &command])
        }
        other => panic!("no harness for {other}"),
    };
    // fish adds a tab and the description; the others give the bare word.
    output
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// What every shell must offer: the options of a command, of a nested command, the
/// commands themselves, and the values of an option.
fn check_shell(name: &str) {
    let Some(shell) = shell(name) else { return };
    let expect = |line: &str, wanted: &[&str]| {
        let got = candidates(&shell, line);
        for want in wanted {
            assert!(
                got.iter().any(|c| c == want),
                "{name}: `{line}<Tab>` does not offer {want}; it offers {got:?}"
            );
        }
    };
    expect(
        "group-export run --",
        &["--out", "--since", "--only-types", "--base-url"],
    );
    expect(
        "group-export groups search --",
        &["--code", "--member", "--all"],
    );
    expect("group-export ", &["groups", "run", "mock-server"]);
    expect("group-export groups ", &["search", "read", "members"]);
    expect("group-export run --progress ", &["plain", "json"]);
}

#[test]
fn bash_completes_commands_options_and_values() {
    check_shell("bash");
}

#[test]
fn zsh_completes_commands_options_and_values() {
    check_shell("zsh");
}

#[test]
fn fish_completes_commands_options_and_values() {
    check_shell("fish");
}

/// Without any shell: every state the bash script's loop can reach has its `case` arm
/// (clap-rs/clap#6421 broke exactly this for hyphenated binary names).
#[test]
fn every_bash_state_has_its_case_arm() {
    let script = std::fs::read_to_string(completions_dir().join("group-export.bash")).unwrap();
    let states: Vec<&str> = script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("cmd=\""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|state| !state.is_empty())
        .collect();
    assert!(states.len() > 10, "{states:?}");
    for state in states {
        assert!(
            script.contains(&format!("\n        {state})\n")),
            "no case arm for {state}"
        );
    }
}
