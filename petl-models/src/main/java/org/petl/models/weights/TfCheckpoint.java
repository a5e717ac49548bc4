package org.petl.models.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A TensorFlow v2 checkpoint ({@code variables.index} + one data shard): the index is a LevelDB-format table
 * mapping variable names to {@code BundleEntryProto}s (dtype, shape, shard, offset, size, crc32c); the shard is
 * raw little-endian data. Only uncompressed tables and single-shard float32 variables are read.
 */
public final class TfCheckpoint {

    private static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    private static final int DT_FLOAT = 1;

    /** One variable as the index describes it. */
    public record Entry(String name, int dtype, long[] shape, int shard, long offset, long size, int crc32c, boolean hasCrc) {
    }

    private TfCheckpoint() {
    }

    /** All entries of {@code variables.index}, in key order, without the empty-key header. */
    public static List<Entry> readIndex(Path index) {
        byte[] file;
        try {
            file = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new WeightFileException(index + ": cannot read checkpoint index (" + e.getMessage() + ")");
        }
        try {
            if (file.length < 48) throw new WeightFileException(index + ": not a checkpoint index (only " + file.length + " bytes)");
            ByteBuffer footer = ByteBuffer.wrap(file, file.length - 48, 48).order(ByteOrder.LITTLE_ENDIAN);
            if (footer.getLong(file.length - 8) != TABLE_MAGIC) {
                throw new WeightFileException(index + ": not a checkpoint index (bad table magic; truncated?)");
            }
            int[] pos = {file.length - 48};
            readVarint(file, pos); // metaindex offset (unused)
            readVarint(file, pos); // metaindex size
            long indexOffset = readVarint(file, pos), indexSize = readVarint(file, pos);
            List<Entry> entries = new ArrayList<>();
            for (byte[][] kv : readBlock(file, indexOffset, indexSize, index)) {
                int[] p = {0};
                long off = readVarint(kv[1], p), size = readVarint(kv[1], p);
                for (byte[][] e : readBlock(file, off, size, index)) {
                    if (e[0].length == 0) continue; // BundleHeaderProto
                    String name = new String(e[0], java.nio.charset.StandardCharsets.UTF_8);
                    entries.add(parseEntry(name, e[1]));
                }
            }
            return entries;
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightFileException(index + ": corrupt checkpoint index (" + OnnxGraph.oneLine(e) + ")");
        }
    }

    /** Reads the float32 variables whose names pass {@code include} from {@code data}, checking sizes and CRCs. */
    public static Map<String, HostTensor> read(Path index, Path data, Predicate<String> include) {
        List<Entry> entries = readIndex(index);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long dataSize = ch.size();
            for (Entry e : entries) {
                if (!include.test(e.name())) continue;
                String where = data + ": variable '" + e.name() + "'";
                if (e.dtype() != DT_FLOAT) throw new WeightFileException(where + ": dtype " + e.dtype() + " is not float32");
                if (e.shard() != 0) throw new WeightFileException(where + ": lives in shard " + e.shard() + ", only single-shard checkpoints are read");
                long count = 1;
                for (long d : e.shape()) count *= d;
                if (e.size() != count * 4) throw new WeightFileException(where + ": " + e.size() + " bytes do not hold shape " + Arrays.toString(e.shape()));
                if (e.offset() + e.size() > dataSize) {
                    throw new WeightFileException(where + ": bytes [" + e.offset() + ", " + (e.offset() + e.size()) + ") lie past the end of the " + dataSize + "-byte data file (truncated?)");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) e.size());
                long pos = e.offset();
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos);
                    if (r < 0) throw new WeightFileException(where + ": unexpected end of data file (truncated)");
                    pos += r;
                }
                if (e.hasCrc()) {
                    CRC32C crc = new CRC32C();
                    crc.update(buf.array());
                    int value = (int) crc.getValue();
                    if (value != e.crc32c() && maskCrc(value) != e.crc32c()) {
                        throw new WeightFileException(where + ": checksum mismatch (corrupt data file)");
                    }
                }
                float[] f = new float[(int) count];
                buf.flip();
                buf.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                out.put(e.name(), new HostTensor(e.shape(), f));
            }
        } catch (IOException e) {
            throw new WeightFileException(data + ": cannot read checkpoint data (" + e.getMessage() + ")");
        }
        return out;
    }

    private static int maskCrc(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** The key/value pairs of one table block (prefix-compressed keys; trailer: compression type + crc). */
    private static List<byte[][]> readBlock(byte[] file, long offset, long size, Path source) {
        if (offset < 0 || size < 4 || offset + size + 5 > file.length) {
            throw new WeightFileException(source + ": block at " + offset + " (+" + size + ") lies outside the " + file.length + "-byte index (truncated?)");
        }
        int start = (int) offset, end = (int) (offset + size);
        int compression = file[end] & 0xff;
        if (compression != 0) {
            throw new WeightFileException(source + ": block at " + offset + " is compressed (type " + compression + "); only uncompressed indexes are supported");
        }
        int numRestarts = ByteBuffer.wrap(file, end - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int limit = end - 4 - 4 * numRestarts;
        if (numRestarts < 0 || limit < start) throw new WeightFileException(source + ": block at " + offset + " has a bad restart array");
        List<byte[][]> out = new ArrayList<>();
        byte[] lastKey = new byte[0];
        int[] pos = {start};
        while (pos[0] < limit) {
            int shared = (int) readVarint(file, pos), nonShared = (int) readVarint(file, pos), valueLen = (int) readVarint(file, pos);
            if (shared > lastKey.length || pos[0] + nonShared + valueLen > limit) {
                throw new WeightFileException(source + ": block at " + offset + " has a corrupt entry");
            }
            byte[] key = Arrays.copyOf(lastKey, shared + nonShared);
            System.arraycopy(file, pos[0], key, shared, nonShared);
            pos[0] += nonShared;
            byte[] value = Arrays.copyOfRange(file, pos[0], pos[0] + valueLen);
            pos[0] += valueLen;
            out.add(new byte[][]{key, value});
            lastKey = key;
        }
        return out;
    }

    private static Entry parseEntry(String name, byte[] value) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(value);
        int dtype = 0, shard = 0, crc = 0;
        long offset = 0, size = 0;
        boolean hasCrc = false;
        List<Long> dims = new ArrayList<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> dtype = in.readEnum();
                case 2 -> {
                    int old = in.pushLimit(in.readRawVarint32());
                    while (true) { // TensorShapeProto: dim = 2 (Dim: size = 1)
                        int t = in.readTag();
                        if (t == 0) break;
                        if (WireFormat.getTagFieldNumber(t) == 2) {
                            int o2 = in.pushLimit(in.readRawVarint32());
                            long dimSize = 0;
                            while (true) {
                                int t2 = in.readTag();
                                if (t2 == 0) break;
                                if (WireFormat.getTagFieldNumber(t2) == 1) dimSize = in.readInt64();
                                else in.skipField(t2);
                            }
                            in.popLimit(o2);
                            dims.add(dimSize);
                        } else {
                            in.skipField(t);
                        }
                    }
                    in.popLimit(old);
                }
                case 3 -> shard = in.readInt32();
                case 4 -> offset = in.readInt64();
                case 5 -> size = in.readInt64();
                case 6 -> {
                    crc = in.readFixed32();
                    hasCrc = true;
                }
                default -> in.skipField(tag);
            }
        }
        return new Entry(name, dtype, dims.stream().mapToLong(Long::longValue).toArray(), shard, offset, size, crc, hasCrc);
    }

    private static long readVarint(byte[] b, int[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) throw new WeightFileException("varint runs past the end of the data");
            int x = b[pos[0]++] & 0xff;
            result |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return result;
        }
        throw new WeightFileException("malformed varint");
    }
}
