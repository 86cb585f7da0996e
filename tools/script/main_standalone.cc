// ustack-script: the same command as `ustack script`, without the stack's
// Asio and HTTP layers, for the script runner's own tests and ctest.
#include "tools/script/cli.h"

int main(int argc, char** argv) { return ustack::script::script_cli(argc, argv); }
