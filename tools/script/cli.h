// `ustack script` as a function, so the main CLI and the ustack-script test
// binary share one option parser.
#pragma once

namespace ustack::script {

// argv[0] is the command's name; the rest are options and script files.
// Returns the exit status: 0 when every script passed, 2 for a usage error,
// 77 when --against-linux is not permitted (not root).
int script_cli(int argc, char** argv);

}  // namespace ustack::script
