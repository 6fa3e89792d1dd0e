package io.wshub.benchmarks.peers;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import org.xnio.Options;

/**
 * Peer server: Undertow's own broadcast idiom (its chat example): each received text message is sent to every
 * channel in {@code channel.getPeerConnections()} with {@link WebSockets#sendText(String, WebSocketChannel,
 * io.undertow.websockets.core.WebSocketCallback)}. Library defaults, except TCP_NODELAY on.
 *
 * <p>{@code java -cp benchmarks.jar io.wshub.benchmarks.peers.UndertowPeer PORT}
 *
 * <p>Thread-safety: the library's.
 */
public final class UndertowPeer {

    private UndertowPeer() {
    }

    /**
     * Starts the peer server and stops it on SIGTERM.
     *
     * @param args the port
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setSocketOption(Options.TCP_NODELAY, true)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, -1)
                .setHandler(Handlers.path().addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                            String data = message.getData();
                            for (WebSocketChannel peer : ch.getPeerConnections()) {
                                WebSockets.sendText(data, peer, null);
                            }
                        }

                        @Override
                        protected void onFullBinaryMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
                            ByteBuffer[] data = message.getData().getResource();
                            try {
                                ByteBuffer merged = WebSockets.mergeBuffers(data);
                                for (WebSocketChannel peer : ch.getPeerConnections()) {
                                    WebSockets.sendBinary(merged.duplicate(), peer, null);
                                }
                            } finally {
                                message.getData().free();
                            }
                        }
                    });
                    channel.resumeReceives();
                })))
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "peer-stop"));
        Peers.awaitShutdown("undertow", port);
    }
}
