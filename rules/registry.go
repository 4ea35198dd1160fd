package rules

import "github.com/podlint/podlint/lint"

// All returns every built-in rule in documentation order: the engine's input and
// decoding rules first, then the checks, then the update rules.
func All() []*lint.Rule {
	return append(append(append(append(append(lint.InputRules(), checks()...), updates()...), sets()...), lint.PodSecurityRules()...), lint.RuleCustomResourceSchema, lint.RuleUnusedSuppression)
}

// checks lists the rules with a Check function, in the order they run.
func checks() []*lint.Rule {
	return []*lint.Rule{
		duplicateContainerName,
		restartPolicy,
		containerRestartPolicy,
		missingImage,
		ephemeralContainers,
		initContainerLifecycle,
		initContainerProbe,
		probeHandler,
		probeSuccessThreshold,
		probeGracePeriod,
		duplicateHostPort,
		duplicatePortName,
		duplicateVolumeName,
		volumeMountUndeclared,
		duplicateMountPath,
		prestopSleepExceedsGrace,
		probePortUndeclared,
		hookTCPSocket,
		duplicateContainerPort,
		prestopCutOff,
		initContainerNeverExits,
		negativeGracePeriod,
		livenessEqualsReadiness,
		livenessInJob,
		livenessWithoutStartup,
		barePod,
		emptyDirPersistence,
		objectMetadata,
		containerFields,
		containerPorts,
		envVars,
		resourceRequirements,
		volumeSource,
		volumeMounts,
		handlerFields,
		podSpecFields,
		workloadSpec,
		jobSpec,
		cronJobSpec,
		affinityTerms,
		securityContext,
		podScheduling,
		removedVolumePlugin,
		deprecatedAnnotation,
		deprecatedNodeLabel,
		nullLabelSelector,
		duplicateEnvVar,
		sharedPortName,
		podListEntries,
		fractionalBytes,
		hostIPWithoutHostPort,
		volumePathOverlap,
		nameNotDNSLabel,
		unboundedRevisionHistory,
	}
}

// sets lists the cross-object rules (CheckSet), run once over a whole input.
func sets() []*lint.Rule {
	return []*lint.Rule{
		serviceTargetPort,
		serviceTargetPortNumber,
		serviceSelector,
		pdbSelector,
		pdbBlocksEviction,
		hpaTargetMissing,
		hpaUtilizationRequest,
		hpaReplicasSet,
	}
}

// Lookup returns the built-in rule with the given ID, or nil.
func Lookup(id string) *lint.Rule {
	for _, r := range All() {
		if r.ID == id {
			return r
		}
	}
	return nil
}
