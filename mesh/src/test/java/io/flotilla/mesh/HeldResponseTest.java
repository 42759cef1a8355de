package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** Which responses the mesh keeps whole before the client sees them. */
class HeldResponseTest {
    @Test
    void onlyASmallResponseOfKnownLengthToARetryableRequestIsHeld() {
        assertThat(HeldResponse.of(withLength(9), true)).isNotNull();
        assertThat(HeldResponse.of(withLength(HeldResponse.MAX_BYTES), true)).isNotNull();
        assertThat(HeldResponse.of(withLength(HeldResponse.MAX_BYTES + 1), true)).as("too big: streams").isNull();
        assertThat(HeldResponse.of(withLength(9), false)).as("no retry left: nothing to gain").isNull();
        assertThat(HeldResponse.of(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), true))
                .as("close-delimited: its length is unknown").isNull();
        HttpResponse chunked = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        chunked.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        assertThat(HeldResponse.of(chunked, true)).as("chunked").isNull();
    }

    @Test
    void releasingLetsGoOfTheKeptPieces() {
        HeldResponse held = HeldResponse.of(withLength(6), true);
        HttpContent piece = new DefaultHttpContent(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
        held.add(piece);
        held.release();
        assertThat(piece.refCnt()).isZero();
        assertThat(held.parts).isEmpty();
    }

    private static HttpResponse withLength(int length) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        return response;
    }
}
