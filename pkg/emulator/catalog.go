package emulator

// Flavor is one entry of GET /v1/{project}/notebooks/flavors.
type Flavor struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Arch        string `json:"arch"`
	Category    string `json:"category"`
	Feature     string `json:"feature"`
	Free        bool   `json:"free"`
	SoldOut     bool   `json:"sold_out"`
	Description string `json:"description"`
}

// Image is one entry of GET /v1/{project}/images and the image of a notebook.
type Image struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	SWRPath            string   `json:"swr_path"`
	Tag                string   `json:"tag"`
	Type               string   `json:"type"`
	Arch               string   `json:"arch,omitempty"`
	Description        string   `json:"description,omitempty"`
	DevServices        []string `json:"dev_services,omitempty"`
	ResourceCategories []string `json:"resource_categories,omitempty"`
	ServiceType        string   `json:"service_type,omitempty"`
	Status             string   `json:"status,omitempty"`
	Visibility         string   `json:"visibility,omitempty"`
	WorkspaceID        string   `json:"workspace_id,omitempty"`
	CreateAt           int64    `json:"create_at,omitempty"`
	UpdateAt           int64    `json:"update_at,omitempty"`
}

// SoldOutFlavor is the one flavor served with sold_out: true, so clients can
// test the sold-out path (ModelArts.6329).
const SoldOutFlavor = "modelarts.bm.snt9.xlarge.8"

// DefaultImageID is the image of the documentation's examples.
const DefaultImageID = "e1a07296-22a8-4f05-8bc8-e936c8e54090"

// Flavors returns the flavors the emulator serves.
func Flavors() []Flavor {
	return []Flavor{
		{ID: "modelarts.vm.cpu.2u", Name: "modelarts.vm.cpu.2u", Arch: "x86", Category: "CPU", Feature: "NOTEBOOK", Description: "CPU: 2 vCPUs | 8 GiB"},
		{ID: "modelarts.vm.cpu.8u", Name: "modelarts.vm.cpu.8u", Arch: "x86", Category: "CPU", Feature: "NOTEBOOK", Description: "CPU: 8 vCPUs | 32 GiB"},
		{ID: "modelarts.vm.cpu.free", Name: "modelarts.vm.cpu.free", Arch: "x86", Category: "CPU", Feature: "DEFAULT", Free: true, Description: "CPU: 1 vCPU | 4 GiB (free CodeLab)"},
		{ID: "modelarts.bm.gpu.v100NV32", Name: "modelarts.bm.gpu.v100NV32", Arch: "x86", Category: "GPU", Feature: "NOTEBOOK", Description: "GPU: 1 x NVIDIA-V100 (32 GB) | CPU: 8 vCPUs 64 GiB"},
		{ID: "modelarts.bm.snt9.xlarge.1", Name: "modelarts.bm.snt9.xlarge.1", Arch: "aarch64", Category: "ASCEND", Feature: "NOTEBOOK", Description: "Ascend: 1 x snt9 (32 GB)"},
		{ID: "modelarts.bm.snt9.xlarge.2", Name: "modelarts.bm.snt9.xlarge.2", Arch: "aarch64", Category: "ASCEND", Feature: "NOTEBOOK", Description: "Ascend: 2 x snt9 (32 GB)"},
		{ID: SoldOutFlavor, Name: SoldOutFlavor, Arch: "aarch64", Category: "ASCEND", Feature: "NOTEBOOK", SoldOut: true, Description: "Ascend: 8 x snt9 (32 GB)"},
	}
}

// Images returns the images the emulator serves.
func Images() []Image {
	mk := func(id, name, tag, arch string, cats []string) Image {
		return Image{
			ID: id, Name: name, Tag: tag, Type: "BUILD_IN", Arch: arch,
			SWRPath:            "swr.emulator.invalid/atelier/" + name + ":" + tag,
			Description:        "emulated built-in image " + name,
			DevServices:        []string{"NOTEBOOK", "SSH"},
			ResourceCategories: cats, ServiceType: "DEV", Status: "ACTIVE",
			Visibility: "PUBLIC", WorkspaceID: "0",
			CreateAt: 1638841744515, UpdateAt: 1638841744515,
		}
	}
	return []Image{
		mk(DefaultImageID, "notebook2.0-mul-kernel-cpu-cp36", "3.3.2-release_v1", "X86_64", []string{"CPU"}),
		mk("278e88d1-5ba4-4ef2-9b5c-ae0c8b3b8f5c", "pytorch1.10-cuda10.2-cudnn7-ubuntu18.04", "v1", "X86_64", []string{"CPU", "GPU"}),
		mk("b0a5e2b8-6f4c-4d1c-9f0e-3d2a1c5e7f90", "tensorflow2.1-cuda10.1-cudnn7-ubuntu18.04", "v1", "X86_64", []string{"CPU", "GPU"}),
		mk("6c2f9a3e-0d7b-4e8a-a1b2-c3d4e5f60718", "mindspore1.7.0-cann5.1.0-py3.7-euler2.8.3", "v1", "AARCH64", []string{"ASCEND"}),
	}
}
