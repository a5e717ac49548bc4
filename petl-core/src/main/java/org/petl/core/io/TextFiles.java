package org.petl.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reading user text files with errors that name the file and line, and quoting user input readably. */
public final class TextFiles {

    private TextFiles() {
    }

    /** A text file's lines (UTF-8); bad bytes are an error naming the file, line and byte offset. */
    public static List<String> readLines(Path file) {
        return readString(file).lines().toList();
    }

    /** A whole UTF-8 text file; invalid UTF-8 is an error naming the file, line and byte offset. */
    public static String readString(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UncheckedIOException(where(file) + ": file not found", e);
        } catch (IOException e) {
            throw new UncheckedIOException(where(file) + ": cannot read (" + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException(where(file) + ": too large to read into memory");
        }
        return decode(file, bytes);
    }

    /** Decodes UTF-8 (a leading BOM is dropped); invalid bytes are an error naming file, line and byte offset. */
    public static String decode(Path file, byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        var r = d.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new IllegalArgumentException(where(file) + ":" + line + ": not valid UTF-8 (byte " + at + ", 0x"
                    + String.format("%02x", bytes[at] & 0xff) + "); petl reads text files as UTF-8");
        }
        d.flush(out);
        String s = out.flip().toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /** The path as the user should see it: relative paths stay as given but keep their folder. */
    public static String where(Path file) {
        return file.toString();
    }

    /** {@code text} cut to {@code max} characters (with how much was left out), line breaks shown as ⏎. */
    public static String quote(String text, int max) {
        if (text == null) return "";
        String one = text.replace("\r\n", "⏎").replace('\n', '⏎').replace('\r', '⏎');
        if (one.length() <= max) return one;
        return one.substring(0, max) + "… (" + String.format("%,d", one.length() - max) + " more characters)";
    }
}
