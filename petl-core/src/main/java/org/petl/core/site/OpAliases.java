package org.petl.core.site;

import java.lang.reflect.Field;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.imports.converters.DifferentialFunctionClassHolder;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Registers a petl op class under its own name as an alias of a native op. SameDiff builds gradient functions on
 * copies of the graph made by recreating each op from its name and native hash; without its own name a subclass
 * would come back as the plain ND4J op and lose its {@code doDiff}. Both tables are ND4J internals: when either is
 * missing (another ND4J version or backend) registration reports false and callers build plain ops.
 */
final class OpAliases {

    private OpAliases() {
    }

    @SuppressWarnings("unchecked")
    static synchronized boolean register(String alias, String nativeName, Class<?> opClass, Class<?> nativeClass) {
        try {
            OpExecutioner executioner = Nd4j.getExecutioner();
            CustomOpDescriptor nativeOp = executioner.getCustomOperations().get(nativeName);
            if (nativeOp == null) return false;
            Field table = field(executioner.getClass(), "customOps");
            Map<String, CustomOpDescriptor> ops = (Map<String, CustomOpDescriptor>) table.get(executioner);
            if (!ops.containsKey(alias)) {
                Map<String, CustomOpDescriptor> withAlias = new HashMap<>(ops);
                withAlias.put(alias, nativeOp);
                table.set(executioner, Collections.unmodifiableMap(withAlias));
            }
            DifferentialFunctionClassHolder holder = DifferentialFunctionClassHolder.getInstance();
            Map<Long, Class<?>> byHash = (Map<Long, Class<?>>) field(DifferentialFunctionClassHolder.class, "customOpHashToClass").get(holder);
            Map<Long, Map<String, Class<?>>> byHashAndName =
                    (Map<Long, Map<String, Class<?>>>) field(DifferentialFunctionClassHolder.class, "customOpHashToClasses").get(holder);
            Map<String, Class<?>> named = byHashAndName.computeIfAbsent(nativeOp.getHash(), h -> {
                Map<String, Class<?>> m = new HashMap<>();
                m.put(nativeName, byHash.getOrDefault(h, nativeClass));
                return m;
            });
            named.put(alias, opClass);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }
}
