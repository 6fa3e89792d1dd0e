package io.wshub.transport.javawebsocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocketImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs connection service on the library's selector thread.
 *
 * <p>Why: Java-WebSocket arms a connection for writing with {@code key.interestOps(READ | WRITE)} from whatever thread
 * queues a frame, while its selector thread, having drained the queue, disarms it with {@code
 * key.interestOps(READ)}. Both are plain sets, so a frame queued between the selector's last look at the queue and its
 * disarm is stranded until the client sends something else; that is the echo "held for about 4 seconds" on a fresh
 * connection, where the handshake response is still being written when the first echo is queued. Here every frame of
 * ours is handed to the library's queue, and the connection is armed, on the selector thread itself, where it cannot
 * race with the disarm.
 *
 * <p>How: a {@link Pipe} whose source is registered with the library's selector under a stand-in connection; the
 * library's read path calls {@link #read} on the selector thread when a byte arrives, and we run the queued service
 * requests there. One byte wakes the selector for any number of requests.
 *
 * <p>Thread-safety: {@link #request} may be called from any thread and never blocks; everything else runs on the
 * selector thread.
 */
final class SelectorTasks implements ByteChannel {

    private static final Logger LOG = LoggerFactory.getLogger(SelectorTasks.class);

    /** What the selector thread services: a connection, in production. */
    interface Target {
        /**
         * Marks a service request outstanding.
         *
         * @return {@code true} if none was; the caller then queues this target
         */
        boolean markServiceRequested();

        /** Clears the mark; called on the selector thread just before {@link #serviceOnSelector()}. */
        void clearServiceRequested();

        /** Does the requested work; selector thread only. */
        void serviceOnSelector();
    }

    private final ConcurrentLinkedQueue<Target> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final ByteBuffer scratch = ByteBuffer.allocate(64);
    private final Pipe pipe;
    private volatile boolean registered;

    SelectorTasks() throws IOException {
        this.pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipe.sink().configureBlocking(false);
    }

    /**
     * Registers with the library's selector; called on the selector thread when the first connection is accepted.
     *
     * @param selector the library's selector
     * @param standIn the connection object the library will find attached to our key
     */
    void register(Selector selector, WebSocketImpl standIn) throws IOException {
        if (registered) {
            return;
        }
        standIn.setChannel(this);
        standIn.setSelectionKey(registerPipe(selector, standIn));
    }

    /** Registers the pipe's source for reading with the given attachment; selector thread only. */
    SelectionKey registerPipe(Selector selector, Object attachment) throws IOException {
        SelectionKey key = pipe.source().register(selector, SelectionKey.OP_READ, attachment);
        registered = true;
        if (!requests.isEmpty()) {
            wake();
        }
        return key;
    }

    boolean registered() {
        return registered;
    }

    /**
     * Asks for a connection to be serviced ({@link Target#serviceOnSelector()}) on the selector thread soon.
     *
     * @param conn the connection; not null
     */
    void request(Target conn) {
        if (conn.markServiceRequested()) {
            requests.add(conn);
            if (registered) {
                wake();
            }
        }
    }

    private void wake() {
        if (signalled.compareAndSet(false, true)) {
            try {
                pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                // Only after close(), when the server is stopping.
                LOG.debug("selector wake-up failed", e);
            }
        }
    }

    /** Called by the library on the selector thread when the pipe is readable: run the requests. */
    @Override
    public int read(ByteBuffer dst) {
        try {
            // Drain first, then clear the flag. Cleared first, a requester could set the flag and write its byte
            // between the two steps; the byte would be drained with the flag left set, and every later request would
            // skip its wake-up: a lost wake-up that strands frames until something else wakes the selector.
            scratch.clear();
            while (pipe.source().read(scratch) > 0) {
                scratch.clear();
            }
            signalled.set(false);
            Target c;
            while ((c = requests.poll()) != null) {
                c.clearServiceRequested();
                try {
                    c.serviceOnSelector();
                } catch (RuntimeException e) {
                    LOG.warn("servicing a connection failed", e);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("selector task read failed", e);
        }
        // Nothing for the library to decode.
        return 0;
    }

    @Override
    public int write(ByteBuffer src) {
        src.position(src.limit());
        return 0;
    }

    @Override
    public boolean isOpen() {
        return pipe.source().isOpen();
    }

    @Override
    public void close() {
        try {
            pipe.sink().close();
        } catch (IOException e) {
            LOG.debug("closing pipe sink", e);
        }
        try {
            pipe.source().close();
        } catch (IOException e) {
            LOG.debug("closing pipe source", e);
        }
    }
}
