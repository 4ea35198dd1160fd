package runner

import (
	"time"

	v1 "k8s.io/api/core/v1"
)

// The contract between workload controllers and the loop that runs them.
//
// A controller is shaped like a sync function of kube-controller-manager: it
// gets its object and the Pods it owns as they are now, and answers with the
// Pods to create and delete, its object's new status, and when to look again.
// It has no goroutines, no clock of its own and no I/O, so every controller
// behaviour (back-off, deadlines, ordering, conditions) is tested in virtual
// time by calling sync with made-up Pods; the loop (workload.go) creates the
// Pods through the pod workers, on the real clock or over the fake runtime,
// and calls sync again whenever an owned Pod's status changes or the
// requested time comes.

// ownedPod is one Pod a controller created, as its informer would show it.
type ownedPod struct {
	// Pod is the object as the controller created it (metadata and spec),
	// with the UID and creationTimestamp the API server set.
	Pod *v1.Pod
	// Status is the Pod's latest status from its pod worker.
	Status v1.PodStatus
	// DeletionRequested is when the controller (or the run's teardown) asked
	// for the Pod's deletion; nil while it is not being deleted.
	DeletionRequested *time.Time
	// Gone is true once the pod worker has stopped every container and
	// removed the sandbox: the Pod object is gone from the API server (or, for
	// a Pod with a finalizer such as the Job controller's tracking finalizer,
	// only waits for it).
	Gone bool
}

// syncResult is what one sync decided.
type syncResult struct {
	// Create are new Pods with labels, annotations, owner reference and
	// either a Name (StatefulSet) or a GenerateName (every other controller);
	// the loop, as the API server, completes generateName with five random
	// characters and sets the UID and creationTimestamp.
	Create []*v1.Pod
	// Delete names owned Pods to delete gracefully.
	Delete []string
	// Status is the controller object's new status, of the object's own
	// status type (appsv1.DeploymentStatus, batchv1.JobStatus, ...).
	Status any
	// RequeueAfter asks for another sync after this long even if no Pod
	// changes (back-off, deadlines, minReadySeconds); 0 means only on a change.
	RequeueAfter time.Duration
	// Events are the events the controller records on its object.
	Events []Event
}

// controller is a workload controller on a one-node cluster.
type controller interface {
	// sync is called with the current time and every Pod the controller
	// created during the run, in creation order.
	sync(now time.Time, pods []ownedPod) syncResult
}
