package io.flotilla.model;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name each {@link Command} carries in JSON, in its {@code type} property: how the Raft log,
 * snapshots and the API tell one command from another. Jackson reads this table from the one place
 * that uses it, {@link Command}, as if its annotations stood there ({@link JacksonAnnotationsInside}).
 * A name never changes, since the log keeps the entries written with it; a new command is one more
 * line.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@JacksonAnnotationsInside
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Command.DeployStack.class, name = "DeployStack"),
        @JsonSubTypes.Type(value = Command.RemoveStack.class, name = "RemoveStack"),
        @JsonSubTypes.Type(value = Command.CreateService.class, name = "CreateService"),
        @JsonSubTypes.Type(value = Command.UpdateService.class, name = "UpdateService"),
        @JsonSubTypes.Type(value = Command.RemoveService.class, name = "RemoveService"),
        @JsonSubTypes.Type(value = Command.ScaleService.class, name = "ScaleService"),
        @JsonSubTypes.Type(value = Command.CreateTasks.class, name = "CreateTasks"),
        @JsonSubTypes.Type(value = Command.SetDesiredStates.class, name = "SetDesiredStates"),
        @JsonSubTypes.Type(value = Command.AssignTasks.class, name = "AssignTasks"),
        @JsonSubTypes.Type(value = Command.UpdateTaskStatuses.class, name = "UpdateTaskStatuses"),
        @JsonSubTypes.Type(value = Command.DeleteTasks.class, name = "DeleteTasks"),
        @JsonSubTypes.Type(value = Command.UpsertNode.class, name = "UpsertNode"),
        @JsonSubTypes.Type(value = Command.UpsertNodes.class, name = "UpsertNodes"),
        @JsonSubTypes.Type(value = Command.SetNodeStates.class, name = "SetNodeStates"),
        @JsonSubTypes.Type(value = Command.UpdateNodeSpec.class, name = "UpdateNodeSpec"),
        @JsonSubTypes.Type(value = Command.PatchNodeSpec.class, name = "PatchNodeSpec"),
        @JsonSubTypes.Type(value = Command.RemoveNode.class, name = "RemoveNode"),
        @JsonSubTypes.Type(value = Command.SetClusterConfig.class, name = "SetClusterConfig"),
        @JsonSubTypes.Type(value = Command.StartCaRotation.class, name = "StartCaRotation"),
        @JsonSubTypes.Type(value = Command.CaCertificateIssued.class, name = "CaCertificateIssued"),
        @JsonSubTypes.Type(value = Command.RegisterEndpoints.class, name = "RegisterEndpoints"),
        @JsonSubTypes.Type(value = Command.DeregisterEndpoints.class, name = "DeregisterEndpoints"),
        @JsonSubTypes.Type(value = Command.RollbackService.class, name = "RollbackService"),
        @JsonSubTypes.Type(value = Command.UpdateServiceStatus.class, name = "UpdateServiceStatus"),
        @JsonSubTypes.Type(value = Command.RebalanceService.class, name = "RebalanceService"),
        @JsonSubTypes.Type(value = Command.RebalanceDone.class, name = "RebalanceDone"),
        @JsonSubTypes.Type(value = Command.RemoveVolumes.class, name = "RemoveVolumes"),
        @JsonSubTypes.Type(value = Command.CreateNetwork.class, name = "CreateNetwork"),
        @JsonSubTypes.Type(value = Command.RemoveNetwork.class, name = "RemoveNetwork"),
        @JsonSubTypes.Type(value = Command.CreateFile.class, name = "CreateFile"),
        @JsonSubTypes.Type(value = Command.UpdateFile.class, name = "UpdateFile"),
        @JsonSubTypes.Type(value = Command.RemoveFile.class, name = "RemoveFile"),
        @JsonSubTypes.Type(value = Command.StoreImage.class, name = "StoreImage"),
        @JsonSubTypes.Type(value = Command.ImageHeld.class, name = "ImageHeld"),
        @JsonSubTypes.Type(value = Command.LeaderChanged.class, name = "LeaderChanged"),
        @JsonSubTypes.Type(value = Command.RecordAudit.class, name = "RecordAudit"),
        @JsonSubTypes.Type(value = Command.RedeemLogin.class, name = "RedeemLogin"),
})
@interface CommandTypes {
}
