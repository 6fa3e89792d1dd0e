package io.wshub.benchmarks.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Peer server: Netty 4.2's own broadcast idiom: every connection joins a {@link DefaultChannelGroup} once its
 * handshake completes, and each received data frame is relayed with {@link ChannelGroup#writeAndFlush(Object)}, which
 * sends a retained duplicate of the one frame to every channel. NIO transport, default event loop size, Netty's
 * defaults (TCP_NODELAY is on by default).
 *
 * <p>{@code java -cp benchmarks.jar io.wshub.benchmarks.peers.NettyPeer PORT}
 *
 * <p>Thread-safety: the library's.
 */
public final class NettyPeer {

    private NettyPeer() {
    }

    /**
     * Starts the peer server and stops it on SIGTERM.
     *
     * @param args the port
     * @throws Exception if it cannot start
     */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"), new Relay(clients));
                    }
                });
        Channel server = b.bind("127.0.0.1", port).sync().channel();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().awaitUninterruptibly();
            clients.close().awaitUninterruptibly();
            boss.shutdownGracefully().awaitUninterruptibly();
            workers.shutdownGracefully().awaitUninterruptibly();
        }, "peer-stop"));
        Peers.awaitShutdown("netty", port);
    }

    private static final class Relay extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final ChannelGroup clients;

        Relay(ChannelGroup clients) {
            this.clients = clients;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                clients.add(ctx.channel());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            // ChannelGroup writes a retained duplicate to each channel and releases the original once; retain it
            // because SimpleChannelInboundHandler releases the frame after this method returns.
            clients.writeAndFlush(frame.retain());
        }
    }
}
