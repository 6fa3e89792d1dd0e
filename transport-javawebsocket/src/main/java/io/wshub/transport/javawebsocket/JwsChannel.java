package io.wshub.transport.javawebsocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import org.java_websocket.WrappedByteChannel;

/**
 * Wraps a connection's socket (or TLS) channel so that the transport sees what the library's selector thread writes
 * and reads: it releases a session's queued bytes when one of its frames has been fully written, records when the
 * client last sent anything, replaces the library's fixed {@code 404} handshake rejection with our own response, and
 * writes a session's frames a batch at a time: the library's out-queue holds one marker per batch
 * ({@link JwsConnection#writeBatch}), and the batch's frames go out in gathering writes.
 *
 * <p>Thread-safety: {@link #read} and {@link #write} are called by the library on the selector thread only.
 */
final class JwsChannel implements WrappedByteChannel {

    private final ByteChannel inner;
    private final WrappedByteChannel wrapped;
    private final JwsConnection conn;
    /** The plain socket, for gathering writes; null under TLS. */
    private final GatheringByteChannel gathering;

    JwsChannel(ByteChannel inner, JwsConnection conn) {
        this.inner = inner;
        this.wrapped = inner instanceof WrappedByteChannel w ? w : null;
        this.gathering = wrapped == null && inner instanceof GatheringByteChannel g ? g : null;
        this.conn = conn;
    }

    /**
     * The plain socket under this channel, for the transport's own writes on the selector thread; null under TLS.
     *
     * @return the socket channel, or null
     */
    SocketChannel plainSocket() {
        return wrapped == null && inner instanceof SocketChannel socket ? socket : null;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = inner.read(dst);
        if (n > 0) {
            conn.touch();
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ByteBuffer rejection = conn.rejectionResponse();
        if (rejection != null) {
            // The library queues its fixed "404 WebSocket Upgrade Failure" after a rejected handshake; we send our
            // response (with the right status) in its place.
            int n = inner.write(rejection);
            if (!rejection.hasRemaining()) {
                src.position(src.limit());
                conn.rejectionWritten();
            }
            return n;
        }
        if (conn.isMarker(src)) {
            return (int) Math.min(Integer.MAX_VALUE, conn.writeBatch(src, inner, gathering));
        }
        return inner.write(src);
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }

    @Override
    public boolean isNeedWrite() {
        return wrapped != null && wrapped.isNeedWrite();
    }

    @Override
    public void writeMore() throws IOException {
        if (wrapped != null) {
            wrapped.writeMore();
        }
    }

    @Override
    public boolean isNeedRead() {
        return wrapped != null && wrapped.isNeedRead();
    }

    @Override
    public int readMore(ByteBuffer dst) throws IOException {
        if (wrapped == null) {
            return 0;
        }
        int n = wrapped.readMore(dst);
        if (n > 0) {
            conn.touch();
        }
        return n;
    }

    @Override
    public boolean isBlocking() {
        return wrapped != null && wrapped.isBlocking();
    }
}
