package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;

/**
 * The pipeline of an accepted HTTP connection. With TLS, ALPN picks h2 or http/1.1; in plaintext
 * the first bytes decide: the HTTP/2 connection preface means h2c with prior knowledge, anything
 * else is HTTP/1.x. On h2 every stream becomes a child channel that speaks HTTP objects, so one
 * {@link HttpProxyHandler} serves both protocols (and each h2 request is balanced on its own).
 *
 * <p>Nothing aggregates: bodies stream through {@link HttpProxyHandler}. {@code Expect:
 * 100-continue} is answered here. A connection without a byte either way for the idle timeout
 * closes: before it chose a protocol at once, with HTTP/1.1 when no request waits for its
 * response headers, with h2 when no stream is open. A connection that sends no whole request head
 * within the head timeout closes too ({@link ClientTimeouts}).
 *
 * <p>h2 is bounded per connection: {@value #H2_MAX_CONCURRENT_STREAMS} concurrent streams (a
 * client opening more gets them refused, each stream costing a backend exchange) and a header list
 * of {@value #H2_MAX_HEADER_LIST_BYTES} bytes, HTTP/1.x's head limit in Netty's decoder. Set here,
 * not left to the library's defaults (Netty 4.2 advertises 100 and 8192 unasked), so that an
 * upgrade cannot lift them unnoticed.
 */
final class HttpFrontendInitializer extends ChannelInitializer<Channel> {
    static final int H2_MAX_CONCURRENT_STREAMS = 128;
    static final int H2_MAX_HEADER_LIST_BYTES = 8192;

    private final ListenerState listener;
    private final MeshRuntime runtime;

    HttpFrontendInitializer(ListenerState listener, MeshRuntime runtime) {
        this.listener = listener;
        this.runtime = runtime;
    }

    @Override
    protected void initChannel(Channel channel) {
        if (!listener.admit(channel)) {
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(new ClientTimeouts(runtime.idleTimeoutNanos, runtime.requestHeadTimeoutNanos));
        if (listener.sslContext != null) {
            pipeline.addLast(listener.sslContext.newHandler(channel.alloc()));
            pipeline.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    ctx.pipeline().get(ClientTimeouts.class).handshakeDone();
                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                        http2(ctx.pipeline(), true);
                    } else {
                        http1(ctx.pipeline(), true);
                    }
                }
            });
        } else {
            pipeline.addLast(new PrefaceSniffer());
        }
    }

    private void http1(ChannelPipeline pipeline, boolean tls) {
        pipeline.addLast(new HttpServerCodec())
                .addLast(new HttpServerExpectContinueHandler())
                .addLast(new HttpProxyHandler(listener, runtime, tls, pipeline.get(ClientTimeouts.class)));
    }

    private void http2(ChannelPipeline pipeline, boolean tls) {
        ClientTimeouts timeouts = pipeline.get(ClientTimeouts.class);
        pipeline.addLast(Http2FrameCodecBuilder.forServer()
                        .initialSettings(Http2Settings.defaultSettings()
                                .maxConcurrentStreams(H2_MAX_CONCURRENT_STREAMS)
                                .maxHeaderListSize(H2_MAX_HEADER_LIST_BYTES))
                        .gracefulShutdownTimeoutMillis(runtime.options.drainTimeout().toMillis())
                        .build())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        timeouts.headArrived(); // a stream's headers are whole; later idleness is the idle timeout's
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(new HttpServerExpectContinueHandler())
                                .addLast(new HttpProxyHandler(listener, runtime, tls, null));
                    }
                }))
                .addLast(new Http2ConnectionEvents());
    }

    /**
     * Drain and idleness of an h2 connection. Closing sends GOAWAY and waits for the open streams
     * (up to the drain timeout); an idle connection closes only when no stream is open (a stream
     * waiting for its response headers is the response timeout's business).
     */
    private static final class Http2ConnectionEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == Mesh.DRAIN) {
                ctx.channel().close();
            } else if (event instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    ctx.channel().close();
                }
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }
    }

    /** Tells h2c prior knowledge from HTTP/1.x by the first bytes, then replaces itself. */
    private final class PrefaceSniffer extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            try {
                int compared = Math.min(in.readableBytes(), preface.readableBytes());
                boolean matches = ByteBufUtil.equals(in, in.readerIndex(), preface, 0, compared);
                if (matches && compared < preface.readableBytes()) {
                    return; // could still be h2: wait for more
                }
                if (matches) {
                    http2(ctx.pipeline(), false);
                } else {
                    http1(ctx.pipeline(), false);
                }
                ctx.pipeline().remove(this); // hands the bytes read so far to the new handlers
            } finally {
                preface.release();
            }
        }
    }
}
