@{
    RootModule           = 'DataMesh.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0c3f7e-8a41-4c6b-9e2d-3b7a1f6c9e52'
    Author               = 'DataMesh'
    CompanyName          = 'DataMesh'
    Copyright            = '(c) DataMesh contributors. All rights reserved.'
    Description          = 'DataMesh: a peer-to-peer, encrypted, erasure-coded file store over libp2p, driven from PowerShell.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('DataMesh.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-DataMeshConfig'
        'Set-DataMeshConfig'
        'Start-DataMeshNode'
        'Stop-DataMeshNode'
        'Get-DataMeshNode'
        'Test-DataMeshPeer'
        'Get-DataMeshPeer'
        'Find-DataMeshPeer'
        'Publish-DataMeshRecord'
        'Get-DataMeshRecord'
        'Get-DataMeshPeerStats'
        'Send-DataMeshFile'
        'Receive-DataMeshFile'
        'Get-DataMeshFile'
        'Export-DataMeshIdentity'
        'New-DataMeshIdentity'
        'Test-DataMeshFile'
        'Repair-DataMeshFile'
        'Remove-DataMeshFile'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('DataMesh', 'libp2p', 'p2p', 'storage', 'erasure-coding', 'encryption', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
        }
    }
}
