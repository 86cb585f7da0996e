// Memory accounting (tcp/memory.h): what one connection holds through its
// whole life, charged exactly to the layer (the harness checks the layer's
// total against a scan of its connections after every step).
#include <cstdio>

#include "tcp/byte_ring.h"
#include "tcp/memory.h"
#include "tcp/rack.h"
#include "tests/harness/harness.h"
#include "tests/harness/req.h"

namespace ustack::testing {
namespace {

using namespace tcp::flags;

TEST_F(TcpTest, Memory_EstablishedIdleHoldsOnlyScratchAndControlBlock) {
    in_state(State::Established);
    tcp::MemoryUsage m = snap().memory;
    EXPECT_EQ(m.send_reserved, 0u);  // rings allocate on first data
    EXPECT_EQ(m.recv_reserved, 0u);
    EXPECT_EQ(m.scratch, config().mss);
    EXPECT_EQ(m.used(), 0u);
    EXPECT_GT(m.control, 0u);
    tcp::MemoryStats s = layer().memory();
    EXPECT_EQ(s.connections, 1u);
    EXPECT_EQ(s.reserved(), config().mss);
    EXPECT_EQ(s.total, m);
    std::printf("[memory] idle ESTABLISHED: %zu reserved (buffers), %zu control block\n", m.reserved(), m.control);
}

TEST_F(TcpTest, Memory_ChargedExactlyThroughDataBothWaysOutOfOrderAndClose) {
    config().msl = 1s;
    in_state(State::Established);

    // Ours: queued, sent, not yet acknowledged.
    send("hello");
    expect(seg().ack_flag().psh().seq(1).ack(1).data("hello"));
    tcp::MemoryUsage m = snap().memory;
    EXPECT_EQ(m.send_reserved, tcp::ByteRing::kFirstStep);
    EXPECT_EQ(m.send_unacked, 5u);
    EXPECT_EQ(m.send_unsent, 0u);

    // Theirs: in order, then out of order beyond a 4-octet gap.
    inject(seg().ack_flag().seq(1).ack(1).data("abcdef"));
    inject(seg().ack_flag().seq(11).ack(1).data("xyz"));
    discard_pending();
    m = snap().memory;
    EXPECT_EQ(m.recv_reserved, tcp::ByteRing::kFirstStep);
    EXPECT_EQ(m.recv_unread, 6u);
    EXPECT_EQ(m.recv_out_of_order, 3u);

    // Our data acknowledged: storage stays, nothing in use.
    inject(seg().ack_flag().seq(14).ack(6));
    discard_pending();
    m = snap().memory;
    EXPECT_EQ(m.send_unacked, 0u);
    EXPECT_EQ(m.send_reserved, tcp::ByteRing::kFirstStep);

    // The gap fills: out-of-order becomes unread; the application reads it all.
    inject(seg().ack_flag().seq(7).ack(6).data("ghij"));
    discard_pending();
    m = snap().memory;
    EXPECT_EQ(m.recv_out_of_order, 0u);
    EXPECT_EQ(m.recv_unread, 13u);
    EXPECT_EQ(receive(), "abcdefghijxyz");
    EXPECT_EQ(snap().memory.used(), 0u);
    EXPECT_EQ(layer().memory().used(), 0u);

    // Active close to TIME-WAIT: no buffers held, only the control block.
    close();
    expect(seg().flags(FIN | ACK).seq(6).ack(14));
    inject(seg().fin().ack_flag().seq(14).ack(7));
    expect(seg().flags(ACK).seq(7).ack(15));
    expect_state(State::TimeWait);
    m = snap().memory;
    EXPECT_EQ(m.reserved(), 0u);
    EXPECT_EQ(m.used(), 0u);
    EXPECT_EQ(layer().memory().reserved(), 0u);
    EXPECT_EQ(layer().memory().high_water, config().mss + 2 * tcp::ByteRing::kFirstStep);

    advance(2s);
    expect_state(State::Closed);
    EXPECT_EQ(layer().memory().reserved(), 0u);
    EXPECT_EQ(layer().memory().used(), 0u);
}

TEST_F(TcpTest, Memory_TimeWaitReleasesBuffersGrownByBulkData) {
    config().msl = 1s;
    in_state(State::Established);
    std::string block(8000, 'a');
    inject(seg().ack_flag().seq(1).ack(1).data(block.substr(0, 1460)));
    inject(seg().ack_flag().seq(1461).ack(1).data(block.substr(1460, 1460)));
    inject(seg().ack_flag().seq(2921).ack(1).data(block.substr(2920, 1460)));
    inject(seg().ack_flag().seq(4381).ack(1).data(block.substr(4380, 1460)));
    discard_pending();
    tcp::MemoryUsage before = snap().memory;
    EXPECT_EQ(before.recv_unread, 5840u);
    EXPECT_EQ(before.recv_reserved, 2 * tcp::ByteRing::kFirstStep);  // grew one doubling step
    EXPECT_EQ(receive().size(), 5840u);
    close();
    discard_pending();
    inject(seg().fin().ack_flag().seq(5841).ack(2));
    discard_pending();
    expect_state(State::TimeWait);
    tcp::MemoryUsage after = snap().memory;
    EXPECT_EQ(after.reserved(), 0u);
    EXPECT_EQ(after.used(), 0u);
    // TIME-WAIT keeps the control block but frees RACK's segment records.
    EXPECT_EQ(after.control, before.control - tcp::Rack(config().send_buffer / 512 + 16).memory());
    std::printf("[memory] ESTABLISHED after 5840 octets in: %zu reserved; TIME-WAIT: %zu reserved, %zu control block\n",
                before.reserved(), after.reserved(), after.control);
}

TEST_F(TcpTest, Memory_UnreadDataAfterResetStaysChargedUntilRead) {
    in_state(State::Established);
    inject(seg().ack_flag().seq(1).ack(1).data("left over"));
    discard_pending();
    inject(seg().rst().seq(10));
    expect_state(State::Closed);
    EXPECT_EQ(snap().memory.recv_unread, 9u);
    EXPECT_EQ(layer().memory().used(), 9u);  // still charged though the table forgot it
    EXPECT_EQ(receive(), "left over");
    EXPECT_EQ(snap().memory.reserved(), 0u);
    EXPECT_EQ(layer().memory().reserved(), 0u);
}

}  // namespace
}  // namespace ustack::testing
