package io.flotilla.model;

/**
 * A volume attached to a service: {@code type} is {@code volume}, {@code bind} or {@code tmpfs}.
 *
 * @param source   for {@code volume}: the volume's cluster-wide name as the stack loader resolved it
 *                 ({@code <stack>_<name>}, or the {@code name:}/external name as given); null for an
 *                 anonymous volume (one per task, removed with it). For {@code bind}: the host path.
 *                 For {@code tmpfs}: null.
 * @param target   the path inside the task (for the process driver, see the agent's docs)
 * @param options  for a named volume: its driver and options ({@link VolumeOptions#DEFAULT} when
 *                 not given); null for the other types
 */
public record VolumeMount(String type, String source, String target, boolean readOnly, VolumeOptions options) {
    public static final String VOLUME = "volume";
    public static final String BIND = "bind";
    public static final String TMPFS = "tmpfs";

    public VolumeMount {
        type = type == null ? VOLUME : type;
        Checks.requireText(target, "volume target");
        if (VOLUME.equals(type) && source != null && options == null) {
            options = VolumeOptions.DEFAULT;
        }
    }

    public VolumeMount(String type, String source, String target, boolean readOnly) {
        this(type, source, target, readOnly, null);
    }

    /** True for a named volume (it has a name in the cluster and outlives the task). */
    public boolean named() {
        return VOLUME.equals(type) && source != null;
    }

    /**
     * The volume a task in {@code slot} uses: the named volume itself, or for a stateful service
     * (see {@link ServiceSpec#stateful()}) one volume per slot, {@code <source>-<slot>}
     * ({@code shop_data-1}), as a StatefulSet's volume claim templates give. An external volume is
     * the one volume the user named, shared by every slot: never per slot.
     */
    public String instanceName(int slot, boolean stateful) {
        if (!named()) {
            return null;
        }
        return stateful && slot > 0 && !options.external() ? source + "-" + slot : source;
    }
}
