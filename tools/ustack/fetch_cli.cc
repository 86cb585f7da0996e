// The options of `ustack fetch` (CLI11), named and behaving like curl's where they overlap.
#include <CLI/CLI.hpp>

#include "tools/ustack/commands.h"

namespace ustack::cli {

void add_fetch_options(CLI::App* cmd, FetchOptions& o) {
    if (CLI::Option* v = cmd->get_option_no_throw("-v"))
        v->description("curl-style trace on stderr: '> ' request head, '< ' response head, '* ' connection "
                       "events and every TCP state transition with its cause");
    cmd->add_option("url", o.urls, "http://IPv4[:port]/path, one or more (no DNS: the host is an address)")
        ->required();
    cmd->add_option("-o,--output", o.outputs,
                    "write the body of the Nth URL to the Nth FILE ('-' = stdout); repeat once per URL")
        ->allow_extra_args(false);
    cmd->add_flag("-O,--remote-name", o.remote_name,
                  "save each URL without an -o under its last path segment, in the current directory");
    cmd->add_flag("-I,--head", o.head, "send HEAD and write the response head(s) to the output");
    cmd->add_option("-X,--request", o.method, "request method (default GET; POST with -d or --data-binary)");
    cmd->add_option("-d,--data", o.data,
                    "POST DATA as application/x-www-form-urlencoded; repeated -d are joined with '&'; @FILE "
                    "sends FILE without its CR and LF characters")
        ->allow_extra_args(false);
    cmd->add_option("--data-binary", o.data_binary, "POST DATA as given; @FILE sends FILE byte for byte (streamed)")
        ->allow_extra_args(false);
    cmd->add_option("-H,--header", o.headers,
                    "extra field 'Name: value' (repeatable); replaces a default of that name (Host, User-Agent, "
                    "Accept, Content-Type); 'Name:' sends no such field, 'Name;' sends it empty")
        ->allow_extra_args(false);
    cmd->add_flag("-L,--location", o.follow,
                  "follow 301/302/303/307/308 Location; 303 (and 301/302 after POST) switch to GET, like curl");
    cmd->add_option("--max-redirs", o.max_redirs, "with -L, stop after N redirects (exit 10); -1: no limit")
        ->capture_default_str();
    cmd->add_option("--timeout", o.timeout_seconds, "give up after this many seconds without progress (exit 7)")
        ->capture_default_str();
    cmd->add_option("--connect-timeout", o.connect_timeout,
                    "give up when a connection is not ESTABLISHED within SECONDS (exit 7; 0: TCP's SYN retries)");
    cmd->add_option("--max-time", o.max_time, "give up after SECONDS in total (exit 7; 0: no limit)");
    CLI::Option* on = cmd->add_flag("--progress", o.progress,
                                    "draw the progress meter (bytes, rate, time left) on stderr even when it is "
                                    "not a terminal");
    CLI::Option* off = cmd->add_flag("--no-progress", o.no_progress, "never draw the progress meter");
    on->excludes(off);
    cmd->add_flag("-s,--silent", o.silent, "no progress meter and no error line (the exit status still tells)");
}

}  // namespace ustack::cli
