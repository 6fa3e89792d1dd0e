package io.wshub.transport.undertow;

import io.undertow.util.WorkerUtils;
import io.wshub.api.ServerConfig;
import io.wshub.api.spi.RequestHeadReader;
import io.wshub.api.spi.ServerCounters;
import io.wshub.api.spi.UpgradeDecision;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Sits under Undertow's HTTP parser on each accepted connection and applies the upgrade request's limits while the
 * request arrives, before Undertow parses or keeps any of it:
 *
 * <ul>
 *   <li>every byte read goes through the kernel's {@link RequestHeadReader} until the head is complete; the read that
 *       breaks {@link ServerConfig#maxRequestHeaderSize()} or {@link ServerConfig#maxRequestHeaders()} is withheld
 *       from Undertow (whose own limits would answer 400), the kernel's 431 with {@code Connection: close} is written
 *       and the connection's output shut, and what the client still sends is read and dropped for at most a second,
 *       so that closing does not reset the answer before the client has read it;</li>
 *   <li>a connection whose head is not complete within {@link ServerConfig#handshakeTimeout()} of its accept (one
 *       that sends nothing, or trickles) is closed.</li>
 * </ul>
 *
 * Once the head is complete the conduit only passes reads through, for Undertow and then for the WebSocket channel.
 *
 * <p>Thread-safety: used on the connection's I/O thread; the state is volatile in case XNIO accepts on another.
 */
final class RequestHeadConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestHeadConduit.class);
    /** How long a refused connection stays, reading and dropping what the client still sends, before it is closed. */
    private static final long LINGER_MILLIS = 1000;
    /** The most reads of dropped bytes per call, so a client that keeps sending cannot hold the I/O thread. */
    private static final int DISCARD_READS = 16;

    private final StreamConnection connection;
    private final ServerCounters counters;
    /** The head being read; null once it is complete or refused. */
    private volatile RequestHeadReader reader;
    private volatile boolean refused;
    private volatile XnioExecutor.Key timer;

    private RequestHeadConduit(StreamSourceConduit next, StreamConnection connection, ServerConfig config,
                               ServerCounters counters) {
        super(next);
        this.connection = connection;
        this.counters = counters;
        this.reader = RequestHeadReader.counting(config);
    }

    /**
     * Puts a conduit under the connection's source and starts its handshake timeout; call before Undertow sees the
     * connection.
     *
     * @param connection the accepted connection; not null
     * @param config the server's config; not null
     * @param counters where a 431 is counted; not null
     */
    static void install(StreamConnection connection, ServerConfig config, ServerCounters counters) {
        ConduitStreamSourceChannel source = connection.getSourceChannel();
        RequestHeadConduit conduit = new RequestHeadConduit(source.getConduit(), connection, config, counters);
        source.setConduit(conduit);
        conduit.timer = WorkerUtils.executeAfter(connection.getIoThread(), conduit::expire,
                Math.max(1, config.handshakeTimeout().toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        RequestHeadReader r = reader;
        if (r == null) {
            return refused ? discard(dst) : next.read(dst);
        }
        int from = dst.position();
        int n = next.read(dst);
        if (n <= 0) {
            return n;
        }
        RequestHeadReader.Status status = r.feed(dst.slice(from, n));
        if (status == RequestHeadReader.Status.NEED_MORE) {
            return n;
        }
        reader = null;
        if (status == RequestHeadReader.Status.COMPLETE) {
            cancelTimer();
            return n;
        }
        dst.position(from); // Undertow never sees a byte of the read that broke the limit
        refuse(r.rejection());
        return discard(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        if (reader == null && !refused) {
            return next.read(dsts, offs, len);
        }
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        if (reader == null && !refused) {
            return next.transferTo(position, count, target);
        }
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        if (reader == null && !refused) {
            return next.transferTo(count, throughBuffer, target);
        }
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    /** Reads and drops what the client sends after its refusal; -1 at its end of stream, so Undertow closes. */
    private int discard(ByteBuffer dst) throws IOException {
        int from = dst.position();
        int n = 0;
        for (int i = 0; i < DISCARD_READS; i++) {
            dst.position(from);
            n = next.read(dst);
            if (n <= 0) {
                break;
            }
        }
        dst.position(from);
        return n < 0 ? -1 : 0;
    }

    private void refuse(UpgradeDecision.Reject rejection) {
        refused = true;
        counters.handshakeRejected(rejection.status());
        LOG.debug("request head from {} refused with {}: {}", connection.getPeerAddress(), rejection.status(),
                rejection.reason());
        cancelTimer();
        timer = WorkerUtils.executeAfter(connection.getIoThread(), this::expire, LINGER_MILLIS,
                TimeUnit.MILLISECONDS);
        ByteBuffer response = ByteBuffer.wrap(rejection.toHttpResponse());
        ConduitStreamSinkChannel sink = connection.getSinkChannel();
        try {
            if (!writeAndShut(sink, response)) {
                sink.getWriteSetter().set(ch -> {
                    try {
                        if (writeAndShut(sink, response)) {
                            sink.suspendWrites();
                        }
                    } catch (IOException e) {
                        IoUtils.safeClose(connection);
                    }
                });
                sink.resumeWrites();
            }
        } catch (IOException e) {
            IoUtils.safeClose(connection);
        }
    }

    /** Writes what is left of the response, then shuts the output; answers whether all of it is flushed. */
    private static boolean writeAndShut(ConduitStreamSinkChannel sink, ByteBuffer response) throws IOException {
        while (response.hasRemaining()) {
            if (sink.write(response) == 0) {
                return false;
            }
        }
        sink.shutdownWrites();
        return sink.flush();
    }

    private void cancelTimer() {
        XnioExecutor.Key t = timer;
        if (t != null) {
            t.remove();
            timer = null;
        }
    }

    /** On the I/O thread, when the handshake timeout (or a refusal's linger) runs out. */
    private void expire() {
        if (reader != null || refused) {
            if (reader != null && connection.isOpen()) {
                LOG.debug("closing {}: no complete upgrade request within the handshake timeout",
                        connection.getPeerAddress());
            }
            IoUtils.safeClose(connection);
        }
    }
}
