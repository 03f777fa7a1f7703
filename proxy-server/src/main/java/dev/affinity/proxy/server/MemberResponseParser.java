package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.BufferUtil;

/**
 * Parses a member's responses for {@link BackendConnection}, giving its handler the events Jetty's
 * {@link HttpParser} gives, in the same order. A response of the common shape
 * ({@link SimpleResponseHead}: a small head with a Content-Length, as nginx, Tomcat or Jetty send
 * for most answers) is parsed here: its head in one pass, its body counted out of the buffers. Any
 * other (1xx, 204 and 304 answers, chunked or close-delimited bodies, the answer to HEAD, a head split
 * across reads, anything malformed) goes, whole, to Jetty's parser, which also decides what is
 * malformed.
 *
 * <p>Why not Jetty's parser for every response: it reads a head one byte at a time through its state
 * machine, and looks each field up, character by character, in a trie of some 300 common fields. On a
 * member's small answer (six fields, a 19-byte body) that was a fifth of the proxy's user time per
 * request (async-profiler, bench scenario sticky-64), the largest single item in it; see
 * docs/performance.md, 2026-11-25 15:47 UTC.
 *
 * <p>Not thread-safe: one per connection, used by the thread parsing it.
 */
final class MemberResponseParser {

    /**
     * Where this parser is in a response it parses itself, as Jetty's states: CONTENT_END after a
     * contentComplete() that asked to stop, CLOSED after a failure or the member's close; JETTY while
     * Jetty's parser has the response.
     */
    private enum Mode { START, CONTENT, CONTENT_END, END, CLOSED, JETTY }

    private final HttpParser.ResponseHandler handler;
    /** Made for the first response that needs it: most connections never do. */
    private HttpParser jetty;
    private Mode mode = Mode.START;
    private boolean headResponse;
    private boolean eof;
    private long contentLength = -1;
    private long contentRead;
    private final SimpleResponseHead simple = new SimpleResponseHead();

    MemberResponseParser(HttpParser.ResponseHandler handler) {
        this.handler = handler;
    }

    /** Jetty's parser as this project sets it up for a member's responses. */
    static HttpParser jettyParser(HttpParser.ResponseHandler handler) {
        HttpParser parser = new HttpParser(handler, -1, HttpCompliance.RFC7230);
        // No header cache per connection, as on the clients' side (AffinityProxy): memory for each one.
        parser.setHeaderCacheSize(0);
        return parser;
    }

    /**
     * Ready for the next response, as {@link HttpParser#reset()}: not after a failure or the member's
     * close, which end the connection.
     */
    void reset() {
        if (mode == Mode.CLOSED || mode == Mode.JETTY && jetty.isTerminated()) {
            return;
        }
        if (mode == Mode.JETTY) {
            jetty.reset();
        }
        mode = Mode.START;
        headResponse = false;
        eof = false;
        contentLength = -1;
        contentRead = 0;
    }

    void setHeadResponse(boolean head) {
        headResponse = head;
        if (jetty != null) {
            jetty.setHeadResponse(head);
        }
    }

    void atEOF() {
        eof = true;
        if (jetty != null) {
            jetty.atEOF();
        }
    }

    long getContentLength() {
        return mode == Mode.JETTY ? jetty.getContentLength() : contentLength;
    }

    long getContentRead() {
        return mode == Mode.JETTY ? jetty.getContentRead() : contentRead;
    }

    /** Whether the response in progress went to Jetty's parser (for the tests of which shapes do). */
    boolean parsingWithJetty() {
        return mode == Mode.JETTY;
    }

    /** As {@link HttpParser#parseNext(ByteBuffer)}: true when a handler method returned true. */
    boolean parseNext(ByteBuffer buffer) {
        switch (mode) {
            case START:
                return start(buffer);
            case CONTENT:
                return content(buffer);
            case CONTENT_END:
                return complete(buffer);
            case END:
                // As Jetty: CR and LF after a response are dropped; anything else is the caller's to judge.
                while (buffer.hasRemaining() && isLineEnd(buffer.get(buffer.position()))) {
                    buffer.get();
                }
                if (eof && !buffer.hasRemaining()) {
                    mode = Mode.CLOSED;
                }
                return false;
            case JETTY:
                return jetty.parseNext(buffer);
            default:
                BufferUtil.clear(buffer); // CLOSED: as Jetty, nothing more is read
                return false;
        }
    }

    private static boolean isLineEnd(byte b) {
        return b == '\r' || b == '\n';
    }

    /** A new response: its head parsed here if of the common shape, else the whole of it by Jetty's parser. */
    private boolean start(ByteBuffer buffer) {
        if (!buffer.hasRemaining() && !eof) {
            handler.messageBegin();
            return false;
        }
        int headLength = headResponse || eof ? SimpleResponseHead.NOT_SIMPLE : simple.scan(buffer);
        if (headLength < 0) {
            if (jetty == null) {
                jetty = jettyParser(handler);
            }
            jetty.setHeadResponse(headResponse);
            if (eof) {
                jetty.atEOF();
            }
            mode = Mode.JETTY;
            return jetty.parseNext(buffer);
        }
        try {
            handler.messageBegin();
            simple.emit(handler);
            buffer.position(buffer.position() + headLength);
            contentLength = simple.contentLength();
            boolean stop = handler.headerComplete();
            // Past START only once the head is handed on: a headerComplete() that throws is a bad response.
            mode = Mode.CONTENT;
            if (stop) {
                return true;
            }
        } catch (Throwable x) {
            return failed(buffer, x);
        }
        return content(buffer);
    }

    /** The body, up to its length, as Jetty delivers it: a view of each buffer's share. */
    private boolean content(ByteBuffer buffer) {
        try {
            while (contentRead < contentLength) {
                int remaining = buffer.remaining();
                if (remaining == 0) {
                    if (eof) {
                        mode = Mode.CLOSED;
                        handler.earlyEOF();
                    }
                    return false;
                }
                int length = (int) Math.min(remaining, contentLength - contentRead);
                ByteBuffer chunk = buffer.slice(buffer.position(), length);
                contentRead += length;
                buffer.position(buffer.position() + length);
                if (handler.content(chunk)) {
                    return true;
                }
            }
            mode = Mode.CONTENT_END;
            if (handler.contentComplete()) {
                return true; // as Jetty: messageComplete() comes with the next parseNext
            }
        } catch (Throwable x) {
            return failed(buffer, x);
        }
        return complete(buffer);
    }

    private boolean complete(ByteBuffer buffer) {
        mode = Mode.END;
        try {
            return handler.messageComplete();
        } catch (Throwable x) {
            return failed(buffer, x);
        }
    }

    /**
     * A handler method threw: as Jetty's parser, drop what is buffered, end the connection's parsing,
     * and report it, as the response cut short once its head was handed on, else as a bad response.
     * Jetty's report would carry the member's status, which its exception's constructor asserts is an
     * error; the handler reads only the reason.
     */
    private boolean failed(ByteBuffer buffer, Throwable x) {
        boolean headHandedOn = mode != Mode.START;
        BufferUtil.clear(buffer);
        mode = Mode.CLOSED;
        if (headHandedOn) {
            handler.earlyEOF();
        } else {
            handler.badMessage(x instanceof HttpException failure ? failure
                    : new HttpException.RuntimeException(HttpStatus.BAD_GATEWAY_502, "Bad Response", x));
        }
        return false;
    }
}
