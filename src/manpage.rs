//! The man page: clap_mangen's page of the whole program (global options, the list of
//! commands, exit codes), followed by one section per command with its synopsis,
//! description, options and examples, so that `man group-export` is the whole reference
//! in one page.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the page (roff).
pub fn render(out: &mut dyn Write) -> std::io::Result<()> {
    let mut cli = Cli::command();
    cli.build();
    clap_mangen::Man::new(cli.clone()).render(out)?;
    let globals: Vec<clap::Id> = cli
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .collect();
    for command in leaf_commands(&cli) {
        render_command(out, command, &globals)?;
    }
    Ok(())
}

/// Every command that does something (`groups search`, …, `run`, …), in help order.
fn leaf_commands(command: &clap::Command) -> Vec<&clap::Command> {
    command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .flat_map(|sub| {
            if sub.has_subcommands() {
                leaf_commands(sub)
            } else {
                vec![sub]
            }
        })
        .collect()
}

/// One command's section: its sub-headings are `.SS` under the command's `.SH`, and the
/// global options (described once, above) are left out.
fn render_command(
    out: &mut dyn Write,
    command: &clap::Command,
    globals: &[clap::Id],
) -> std::io::Result<()> {
    let name = command
        .get_bin_name()
        .unwrap_or(command.get_name())
        .to_uppercase();
    writeln!(out, ".SH \"{name}\"")?;
    let mut own = command.clone();
    for id in globals {
        own = own.mut_arg(id.clone(), |arg| arg.hide(true));
    }
    let man = clap_mangen::Man::new(own);
    let mut section = Vec::new();
    man.render_synopsis_section(&mut section)?;
    man.render_description_section(&mut section)?;
    man.render_options_section(&mut section)?;
    if command.get_after_help().is_some() || command.get_after_long_help().is_some() {
        man.render_extra_section(&mut section)?;
    }
    let text = String::from_utf8_lossy(&section);
    for line in text.lines() {
        match line.strip_prefix(".SH ") {
            Some("EXTRA") => writeln!(out, ".SS EXAMPLES")?,
            Some(heading) => writeln!(out, ".SS {heading}")?,
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}
