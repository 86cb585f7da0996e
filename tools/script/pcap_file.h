// A pcap file of a script run (LINKTYPE_RAW: each record is an IPv4 packet),
// written by hand: 24-byte global header, 16-byte record headers.
#pragma once

#include <string>
#include <vector>

#include "tools/script/packet_io.h"

namespace ustack::script {

// Writes `packets` to `path` (creating its directory); timestamps are the
// virtual times. Returns false when the file cannot be written.
bool write_pcap(const std::string& path, const std::vector<WirePacket>& packets);

}  // namespace ustack::script
