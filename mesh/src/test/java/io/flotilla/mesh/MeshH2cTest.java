package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshRoute.Balancing;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Plaintext h2 with prior knowledge (h2c): a Netty HTTP/2 client sends the connection preface
 * straight away, and the mesh's sniffer must take it for h2. Every stream is balanced on its own,
 * and bodies stream both ways under h2 flow control.
 */
class MeshH2cTest {
    private final MeshFixture fixture = new MeshFixture();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        fixture.close();
    }

    @Test
    void priorKnowledgeStreamsOnOneConnectionAreBalancedPerRequest() throws Exception {
        TestBackend a = fixture.backend("a");
        TestBackend b = fixture.backend("b");
        int port = fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, a, b));
        Channel connection = connect(port);
        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            FullHttpResponse response = exchange(connection, request(HttpMethod.GET, "/t", port, Unpooled.EMPTY_BUFFER));
            assertThat(response.status().code()).isEqualTo(200);
            bodies.add(response.content().toString(StandardCharsets.UTF_8));
            response.release();
        }
        assertThat(bodies).containsExactlyInAnyOrder("a /t", "b /t");
        // concurrent streams on the same connection
        List<CompletableFuture<FullHttpResponse>> concurrent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            concurrent.add(send(connection, request(HttpMethod.GET, "/c" + i, port, Unpooled.EMPTY_BUFFER)));
        }
        for (int i = 0; i < 6; i++) {
            FullHttpResponse response = concurrent.get(i).get(10, TimeUnit.SECONDS);
            assertThat(response.content().toString(StandardCharsets.UTF_8)).endsWith(" /c" + i);
            response.release();
        }
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(10);
        assertThat(a.requests.get()).isEqualTo(5);
        assertThat(a.headers.get(0).getFirst("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(a.headers.get(0).getFirst("Host")).isEqualTo("127.0.0.1:" + port);
        connection.close().sync();
    }

    @Test
    void bodiesStreamBothWaysOverH2c() throws Exception {
        TestBackend a = fixture.backend("a");
        int port = fixture.http(route("s", null, null, Balancing.P2C, a));
        Channel connection = connect(port);
        int size = 8 * 1024 * 1024; // many times the 64 KiB initial h2 window: flow control has to work
        FullHttpResponse big = exchange(connection, request(HttpMethod.GET, "/big/" + size, port, Unpooled.EMPTY_BUFFER));
        assertThat(big.status().code()).isEqualTo(200);
        ByteBuf content = big.content();
        assertThat(content.readableBytes()).isEqualTo(size);
        for (int i = 0; i < size; i += 4099) {
            assertThat(content.getByte(i)).isEqualTo(TestBackend.patternByte(i));
        }
        big.release();

        byte[] upload = new byte[1024 * 1024];
        new Random(3).nextBytes(upload);
        CRC32 crc = new CRC32();
        crc.update(upload);
        FullHttpResponse sum = exchange(connection, request(HttpMethod.POST, "/upload", port, Unpooled.wrappedBuffer(upload)));
        assertThat(sum.content().toString(StandardCharsets.UTF_8)).isEqualTo(upload.length + " " + crc.getValue());
        sum.release();
        connection.close().sync();
    }

    private Channel connect(int port) throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    private static FullHttpRequest request(HttpMethod method, String path, int port, ByteBuf body) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, body);
        request.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port);
        request.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        if (body.isReadable()) {
            HttpUtil.setContentLength(request, body.readableBytes());
        }
        return request;
    }

    private FullHttpResponse exchange(Channel connection, FullHttpRequest request) throws Exception {
        return send(connection, request).get(20, TimeUnit.SECONDS);
    }

    /** Opens a stream, sends the request on it and completes with the aggregated response. */
    private CompletableFuture<FullHttpResponse> send(Channel connection, FullHttpRequest request) throws InterruptedException {
        CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel channel) {
                channel.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                        new HttpObjectAggregator(16 * 1024 * 1024),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                response.complete(msg.retain());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                response.completeExceptionally(cause);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                response.completeExceptionally(new IllegalStateException("stream closed without a response"));
                            }
                        });
            }
        }).open().sync().getNow();
        stream.writeAndFlush(request);
        return response;
    }
}
