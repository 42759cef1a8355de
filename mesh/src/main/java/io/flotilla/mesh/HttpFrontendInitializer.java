package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.List;

/**
 * The pipeline of an accepted HTTP connection. With TLS, ALPN picks h2 or http/1.1; in plaintext
 * the first bytes decide: the HTTP/2 connection preface means h2c with prior knowledge, anything
 * else is HTTP/1.x. On h2 every stream becomes a child channel that speaks HTTP objects, so one
 * {@link HttpProxyHandler} serves both protocols (and each h2 request is balanced on its own).
 */
final class HttpFrontendInitializer extends ChannelInitializer<Channel> {
    private final ListenerState listener;
    private final MeshRuntime runtime;

    HttpFrontendInitializer(ListenerState listener, MeshRuntime runtime) {
        this.listener = listener;
        this.runtime = runtime;
    }

    @Override
    protected void initChannel(Channel channel) {
        listener.connections.add(channel);
        ChannelPipeline pipeline = channel.pipeline();
        if (listener.sslContext != null) {
            pipeline.addLast(listener.sslContext.newHandler(channel.alloc()));
            pipeline.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
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
                .addLast(new HttpObjectAggregator(MeshRuntime.MAX_BODY_BYTES))
                .addLast(new HttpProxyHandler(listener, runtime, tls));
    }

    private void http2(ChannelPipeline pipeline, boolean tls) {
        pipeline.addLast(Http2FrameCodecBuilder.forServer()
                        .gracefulShutdownTimeoutMillis(runtime.options.drainTimeout().toMillis())
                        .build())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(new HttpObjectAggregator(MeshRuntime.MAX_BODY_BYTES))
                                .addLast(new HttpProxyHandler(listener, runtime, tls));
                    }
                }))
                .addLast(new Http2Drain());
    }

    /** Closing an h2 connection sends GOAWAY and waits for its open streams (up to the drain timeout). */
    private static final class Http2Drain extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == Mesh.DRAIN) {
                ctx.channel().close();
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
