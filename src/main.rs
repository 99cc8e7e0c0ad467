//! The `group-export` binary: tune the process's allocator, run the command line, turn the
//! outcome into an exit code (a panic, which is a bug, into exit code 1 after a clear
//! message).

use std::process::ExitCode;

fn main() -> ExitCode {
    keep_freed_buffers();
    group_export::install_panic_hook();
    let args = std::env::args_os().collect();
    match std::panic::catch_unwind(|| group_export::main(args)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => group_export::report::error(&error),
        Err(_) => ExitCode::from(group_export::exit::Code::Internal as u8),
    }
}

/// Below this size an allocation comes from the heap, not a mapping of its own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 4 * 1024 * 1024;

/// Free memory at the top of a heap is given back to the kernel only above this size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 32 * 1024 * 1024;

/// A download reads the network into buffers of 8–400 KiB, one per socket read, freed
/// once their bytes are written. glibc's malloc, left to adapt its thresholds, keeps
/// giving that memory back to the kernel and mapping it again, so reads kept faulting in
/// fresh zeroed pages: 3.6 % of a verified `--parallel 4` download's CPU samples, 4–9 % of
/// its wall time (bench/README.md, "The allocator"). Fixed thresholds keep freed buffers
/// for the next read; peak RSS grows by about 1 MiB. Other allocators reuse them already.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_buffers() {
    // SAFETY: mallopt only sets malloc's parameters; it is called before any other thread
    // exists. A refused setting (returns 0) leaves glibc's defaults, which work, slower.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_buffers() {}
