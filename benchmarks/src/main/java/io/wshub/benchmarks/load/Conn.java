package io.wshub.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection of the load tool: the handshake state, a streaming frame-header parser that keeps only the
 * first {@value #PREFIX} payload bytes of each data frame (publisher id, sequence, timestamp) and skips the rest
 * without copying or decoding it, and the per-publisher sequence tracking of a subscriber.
 *
 * <p>Thread-safety: confined to the selector thread (a {@link Reader}) it is assigned to.
 */
final class Conn {

    /** Payload bytes the tool reads: 4 hex digits publisher id, 12 hex digits sequence, 16 hex digits send time. */
    static final int PREFIX = 32;

    enum State { CONNECTING, HANDSHAKING, OPEN, CLOSED }

    final int index;
    final boolean publisher;
    final SocketChannel channel;
    /** The publisher id of a publisher connection (its messages carry it), -1 for a subscriber. */
    int pub = -1;
    /** Which of the tool's server URLs this connection goes to. */
    int target;
    SelectionKey key;
    State state = State.CONNECTING;
    /** Whether the connection was still open when the run ended (set by its reader before it closes everything). */
    boolean openAtEnd;

    /** Handshake response bytes read so far (only until the blank line). */
    final byte[] http = new byte[1024];
    int httpLen;

    // Frame parser state.
    private final byte[] header = new byte[14];
    private int headerLen;
    private int headerNeed = 2;
    private int opcode;
    private long remaining;
    private boolean inPayload;
    private final byte[] prefix = new byte[125];
    private int prefixLen;

    /** Next expected sequence per publisher (subscribers only). */
    final long[] expected;
    /** Messages received per publisher (subscribers only). */
    final long[] received;

    /** Bytes waiting to be written (publishers, and pong replies). */
    ByteBuffer pending;

    Conn(int index, boolean publisher, SocketChannel channel, int publishers) {
        this.index = index;
        this.publisher = publisher;
        this.channel = channel;
        this.expected = new long[publishers];
        this.received = new long[publishers];
    }

    /** Receives decoded frame events. */
    interface Sink {
        /**
         * A data frame arrived.
         *
         * @param c the connection
         * @param prefix the first payload bytes
         * @param len how many of them are valid (at most {@value Conn#PREFIX} for data frames)
         */
        void onData(Conn c, byte[] prefix, int len);

        /**
         * A ping arrived; the tool answers with a pong carrying the same data.
         *
         * @param c the connection
         * @param data the ping payload
         * @param len its length
         */
        void onPing(Conn c, byte[] data, int len);

        /**
         * The server sent a close frame.
         *
         * @param c the connection
         * @param code the close code, or 1005 if none
         */
        void onClose(Conn c, int code);
    }

    /**
     * Parses frames from the readable bytes of {@code buf}, consuming all of them.
     *
     * @param buf the bytes read
     * @param sink where frame events go
     * @return {@code false} on a protocol error (a masked server frame)
     */
    boolean parse(ByteBuffer buf, Sink sink) {
        while (buf.hasRemaining()) {
            if (!inPayload) {
                while (headerLen < headerNeed && buf.hasRemaining()) {
                    header[headerLen++] = buf.get();
                    if (headerLen == 2) {
                        if ((header[1] & 0x80) != 0) {
                            return false;
                        }
                        int len7 = header[1] & 0x7F;
                        headerNeed = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
                    }
                }
                if (headerLen < headerNeed) {
                    return true;
                }
                opcode = header[0] & 0x0F;
                int len7 = header[1] & 0x7F;
                if (len7 == 126) {
                    remaining = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
                } else if (len7 == 127) {
                    long l = 0;
                    for (int i = 2; i < 10; i++) {
                        l = (l << 8) | (header[i] & 0xFF);
                    }
                    remaining = l;
                } else {
                    remaining = len7;
                }
                headerLen = 0;
                headerNeed = 2;
                prefixLen = 0;
                inPayload = true;
            }
            int keep = opcode >= 8 ? prefix.length : PREFIX;
            if (prefixLen < keep && remaining > 0) {
                int n = (int) Math.min(Math.min(keep - prefixLen, remaining), buf.remaining());
                buf.get(prefix, prefixLen, n);
                prefixLen += n;
                remaining -= n;
            }
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, buf.remaining());
                buf.position(buf.position() + skip);
                remaining -= skip;
            }
            if (remaining == 0) {
                inPayload = false;
                switch (opcode) {
                    case 0x1, 0x2 -> sink.onData(this, prefix, prefixLen);
                    case 0x9 -> sink.onPing(this, prefix, prefixLen);
                    case 0x8 -> sink.onClose(this, prefixLen >= 2
                            ? ((prefix[0] & 0xFF) << 8) | (prefix[1] & 0xFF) : 1005);
                    default -> {
                        // pong or reserved: ignored
                    }
                }
            }
        }
        return true;
    }
}
